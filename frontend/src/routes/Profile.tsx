// One's own profile: name, its reading (sorts and finds people), language, expertise; and a
// new password, which signs out every other device (this one stays signed in by refresh).
import { Anchor, Button, Card, Group, PasswordInput, SegmentedControl, Stack, TagsInput, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { Link } from "react-router";
import { ApiError } from "../api/problem";
import { checkLength, lengthHint, rule } from "../api/rules";
import type { Schemas } from "../api/types";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { QueryState } from "../components/states";
import { useMe, useUpdateMe, type Me } from "../features/users/queries";

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
        notifySaved("Profile saved");
        form.setInitialValues(valuesOf(saved));
        form.setValues(valuesOf(saved));
      },
      onError: (error) => applyApiError(form, error),
    });
  const orgLanguage = me.organization.locale === "ja" ? "日本語" : "English";
  return (
    <Card withBorder>
      <form onSubmit={form.onSubmit(submit)} aria-label="Profile">
        <Stack>
          <Title order={4}>Profile</Title>
          <TextInput label="Full name" {...form.getInputProps("full_name")} />
          <TextInput
            label="Name reading"
            description="Kana reading, used for sorting and search (e.g. やまだ たろう)"
            {...form.getInputProps("name_reading")}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="profile-language">
              Language
            </Text>
            <SegmentedControl
              aria-labelledby="profile-language"
              w="fit-content"
              data={[
                { value: "org", label: `Follow organization (${orgLanguage})` },
                { value: "ja", label: "日本語" },
                { value: "en", label: "English" },
              ]}
              {...form.getInputProps("locale")}
            />
          </Stack>
          <TagsInput label="Expertise" placeholder="Industries, skills — Enter to add" {...form.getInputProps("expertise")} />
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              Save profile
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
  const newPassword = rule("ProfileUpdate", "password");
  const form = useForm<PasswordValues>({
    initialValues: { current_password: "", password: "", confirmation: "" },
    validate: {
      current_password: (value) => (value ? null : "Required"),
      password: (value) => checkLength(value, newPassword),
      confirmation: (value, values) => (value === values.password ? null : "The passwords do not match"),
    },
  });
  const save = useUpdateMe();
  const submit = (values: PasswordValues) =>
    save.mutate(
      { password: values.password, current_password: values.current_password },
      {
        onSuccess: () => {
          notifySaved("Password changed; your other devices are signed out");
          form.reset();
        },
        onError: (error) => {
          if (error instanceof ApiError && error.status === 403) {
            form.setErrors({ current_password: "The current password is incorrect" });
          } else if (error instanceof ApiError && error.status === 429) {
            showError(error, "Too many wrong passwords");
          } else {
            applyApiError(form, error);
          }
        },
      },
    );
  return (
    <Card withBorder>
      <form onSubmit={form.onSubmit(submit)} aria-label="Change password">
        <Stack>
          <Title order={4}>Change password</Title>
          <Text size="sm" c="dimmed">
            A new password signs you out on every other device and ends their API sessions; you stay signed in here.
          </Text>
          <PasswordInput label="Current password" autoComplete="current-password" {...form.getInputProps("current_password")} />
          <PasswordInput label="New password" description={lengthHint(newPassword)} autoComplete="new-password" {...form.getInputProps("password")} />
          <PasswordInput label="Confirm new password" autoComplete="new-password" {...form.getInputProps("confirmation")} />
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function ProfilePage() {
  const me = useMe();
  return (
    <Stack maw={640}>
      <Title order={2}>Your profile</Title>
      <QueryState query={me} retry>
        {(person) => (
          <>
            <Text size="sm" c="dimmed">
              {person.email} · {person.role} at {person.organization.name} ·{" "}
              <Anchor component={Link} to="/settings?tab=organization" size="sm">
                Organization settings
              </Anchor>
            </Text>
            <ProfileForm me={person} />
            <PasswordForm />
          </>
        )}
      </QueryState>
    </Stack>
  );
}
