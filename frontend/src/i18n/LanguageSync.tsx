// Speaks the signed-in person's language: their own choice, else their organization's, else
// the browser's (which is what the sign-in page speaks). Renders nothing.
import { useEffect } from "react";
import { useMe } from "../features/users/queries";
import { browserLanguage, chooseLanguage, setLanguage } from ".";

export function LanguageSync() {
  const { data: me } = useMe();
  const person = me?.locale;
  const organization = me?.organization.locale;
  useEffect(() => {
    void setLanguage(me ? chooseLanguage(person, organization) : browserLanguage());
  }, [me, person, organization]);
  return null;
}
