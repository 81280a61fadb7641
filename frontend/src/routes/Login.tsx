// Sign in, and register a new organization (its first admin).
import { Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { Trans, useTranslation } from "../i18n/react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { errorMessage } from "../api/problem";
import { useAuth } from "../auth";
import { currentLanguage } from "../i18n";
import { applyApiError } from "../components/forms";
import { checkLength, lengthHint, rule } from "../api/rules";

const PASSWORD_RULE = rule("RegisterRequest", "password");

function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const { signIn, signedIn } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const { t } = useTranslation("auth");
  const form = useForm({ initialValues: { email: "", password: "" } });
  if (signedIn) return <Navigate to={safeNext(params.get("next"))} replace />;

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" w={380} maw="100%" component="main">
        <form
          onSubmit={form.onSubmit(async (values) => {
            setError(null);
            try {
              await signIn(values.email, values.password);
              navigate(safeNext(params.get("next")), { replace: true });
            } catch (e) {
              setError(errorMessage(e));
            }
          })}
        >
          <Stack>
            <Title order={2}>{t("signIn.title")}</Title>
            <Text size="sm" c="dimmed">
              {t("signIn.tagline")}
            </Text>
            <TextInput label={t("email")} type="email" autoComplete="username" required autoFocus {...form.getInputProps("email")} />
            <PasswordInput label={t("password")} autoComplete="current-password" required {...form.getInputProps("password")} />
            {error && (
              <Text c="red" size="sm" role="alert">
                {error}
              </Text>
            )}
            <Button type="submit" loading={form.submitting}>
              {t("signIn.submit")}
            </Button>
            <Text size="sm">
              <Trans t={t} i18nKey="signIn.newTeam" components={{ register: <Anchor component={Link} to="/register" /> }} />
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}

export function RegisterPage() {
  const { register } = useAuth();
  const navigate = useNavigate();
  const { t } = useTranslation("auth");
  const form = useForm({
    initialValues: { organization_name: "", full_name: "", email: "", password: "" },
    validate: {
      organization_name: (value) => checkLength(value, rule("RegisterRequest", "organization_name")),
      full_name: (value) => checkLength(value, rule("RegisterRequest", "full_name")),
      password: (value) => checkLength(value, PASSWORD_RULE),
    },
  });
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" w={420} maw="100%" component="main">
        <form
          onSubmit={form.onSubmit(async (values) => {
            try {
              // The organization speaks the language this page speaks (changeable in Settings).
              await register({ ...values, locale: currentLanguage() });
              navigate("/", { replace: true });
            } catch (e) {
              applyApiError(form, e);
            }
          })}
        >
          <Stack>
            <Title order={2}>{t("register.title")}</Title>
            <TextInput label={t("register.organization")} required {...form.getInputProps("organization_name")} />
            <TextInput label={t("register.yourName")} required {...form.getInputProps("full_name")} />
            <TextInput label={t("email")} type="email" required {...form.getInputProps("email")} />
            <PasswordInput
              label={t("password")}
              description={lengthHint(PASSWORD_RULE)}
              required
              {...form.getInputProps("password")}
            />
            <Button type="submit" loading={form.submitting}>
              {t("register.submit")}
            </Button>
            <Text size="sm">
              <Trans t={t} i18nKey="register.haveAccount" components={{ signIn: <Anchor component={Link} to="/login" /> }} />
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
