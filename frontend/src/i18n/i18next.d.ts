// Typed keys: a t("...") call whose key is not in the English catalog fails the typecheck;
// scripts/check-i18n.mjs holds Japanese to the same keys.
import "i18next";
import type { Resources } from "./resources";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "common";
    resources: Resources["en"];
    returnNull: false;
  }
}
