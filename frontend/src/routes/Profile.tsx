// One's own profile: name, its reading (sorts and finds people), language, expertise; the
// notifications one wants, by mail and in the app, and reminders; and a new password, which signs out every other device (this one stays signed in by refresh).
import { Anchor, Button, Card, Group, PasswordInput, SegmentedControl, Stack, TagsInput, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { Link } from "react-router";
import { ApiError } from "../api/problem";
import { checkLength, lengthHint, rule } from "../api/rules";
import type { Schemas } from "../api/types";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { QueryState } from "../components/states";
import { useMe, useUpdateMe, type Me } from "../features/users/queries";
import { useTranslation } from "../i18n/react";
import { label } from "../format";
import { LANGUAGE_NAMES } from "../i18n";
import { Locale } from "../api/enums";
import { NotificationPreferences } from "../components/NotificationPreferences";

/** "org" follows the organization's language (locale null). */
type LanguageChoice = Schemas["Locale"] | "org";

interface ProfileValues {
  full_name: string;
  name_reading: string;
  locale: LanguageChoice;
  expertise: string[];
}

function valuesOf(me: Me): ProfileValues {
  return { full_name: me.full_name, name_reading: me.name_reading ?? "", locale: me.locale ?? "org", expertise: me.expertise };
}

/** The profile as the API takes it: an empty reading clears it, "org" is no language of one's own. */
export function profileBody(values: ProfileValues): Schemas["ProfileUpdate"] {
  return {
    full_name: values.full_name.trim(),
    name_reading: values.name_reading.trim() || null,
    locale: values.locale === "org" ? null : values.locale,
    expertise: values.expertise,
  };
}

function ProfileForm({ me }: { me: Me }) {
  const { t } = useTranslation("profile");
  const form = useForm<ProfileValues>({
    initialValues: valuesOf(me),
    validate: {
      full_name: (value) => checkLength(value, rule("ProfileUpdate", "full_name")),
      name_reading: (value) => checkLength(value, rule("ProfileUpdate", "name_reading"), { required: false }),
    },
  });
  const save = useUpdateMe();
  const submit = (values: ProfileValues) =>
    save.mutate(profileBody(values), {
      onSuccess: (saved) => {
        notifySaved(t("saved"));
        form.setInitialValues(valuesOf(saved));
        form.setValues(valuesOf(saved));
      },
      onError: (error) => applyApiError(form, error),
    });
  // Languages are named in their own words, whatever the page speaks.
  const orgLanguage = LANGUAGE_NAMES[me.organization.locale];
  return (
    <Card withBorder>
      <form onSubmit={form.onSubmit(submit)} aria-label={t("title")}>
        <Stack>
          <Title order={4}>{t("title")}</Title>
          <TextInput label={t("fullName")} {...form.getInputProps("full_name")} />
          <TextInput
            label={t("nameReading")}
            description={t("nameReadingHint")}
            {...form.getInputProps("name_reading")}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="profile-language">
              {t("language")}
            </Text>
            <SegmentedControl
              aria-labelledby="profile-language"
              w="fit-content"
              data={[
                { value: "org", label: t("followOrganization", { language: orgLanguage }) },
                ...Locale.map((value) => ({ value, label: LANGUAGE_NAMES[value] })),
              ]}
              {...form.getInputProps("locale")}
            />
          </Stack>
          <TagsInput label={t("expertise")} placeholder={t("expertisePlaceholder")} {...form.getInputProps("expertise")} />
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              {t("save")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

interface PasswordValues {
  current_password: string;
  password: string;
  confirmation: string;
}

function PasswordForm() {
  const { t } = useTranslation("profile");
  const newPassword = rule("ProfileUpdate", "password");
  const form = useForm<PasswordValues>({
    initialValues: { current_password: "", password: "", confirmation: "" },
    validate: {
      current_password: (value) => (value ? null : t("required")),
      password: (value) => checkLength(value, newPassword),
      confirmation: (value, values) => (value === values.password ? null : t("password.mismatch")),
    },
  });
  const save = useUpdateMe();
  const submit = (values: PasswordValues) =>
    save.mutate(
      { password: values.password, current_password: values.current_password },
      {
        onSuccess: () => {
          notifySaved(t("password.changed"));
          form.reset();
        },
        onError: (error) => {
          if (error instanceof ApiError && error.status === 403) {
            form.setErrors({ current_password: t("password.incorrect") });
          } else if (error instanceof ApiError && error.status === 429) {
            showError(error, t("password.tooMany"));
          } else {
            applyApiError(form, error);
          }
        },
      },
    );
  return (
    <Card withBorder>
      <form onSubmit={form.onSubmit(submit)} aria-label={t("password.title")}>
        <Stack>
          <Title order={4}>{t("password.title")}</Title>
          <Text size="sm" c="dimmed">
            {t("password.explain")}
          </Text>
          <PasswordInput label={t("password.current")} autoComplete="current-password" {...form.getInputProps("current_password")} />
          <PasswordInput label={t("password.new")} description={lengthHint(newPassword)} autoComplete="new-password" {...form.getInputProps("password")} />
          <PasswordInput label={t("password.confirm")} autoComplete="new-password" {...form.getInputProps("confirmation")} />
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              {t("password.title")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function ProfilePage() {
  const { t } = useTranslation("profile");
  const me = useMe();
  return (
    <Stack maw={640}>
      <Title order={2}>{t("page")}</Title>
      <QueryState query={me} retry>
        {(person) => (
          <>
            <Text size="sm" c="dimmed">
              {t("who", { email: person.email, role: label(person.role), organization: person.organization.name })}{" "}
              <Anchor component={Link} to="/settings?tab=organization" size="sm">
                {t("orgSettings")}
              </Anchor>
              {" · "}
              <Anchor component={Link} to="/record" size="sm">
                {t("record.link")}
              </Anchor>
            </Text>
            <ProfileForm me={person} />
            <NotificationPreferences />
            <PasswordForm />
          </>
        )}
      </QueryState>
    </Stack>
  );
}
