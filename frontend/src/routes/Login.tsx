// Sign in, and register a new organization (its first admin).
import { Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { errorMessage } from "../api/problem";
import { useAuth } from "../auth";
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
            <Title order={2}>Sign in</Title>
            <Text size="sm" c="dimmed">
              Sales Mastermind — team selling, one session at a time.
            </Text>
            <TextInput label="Email" type="email" autoComplete="username" required autoFocus {...form.getInputProps("email")} />
            <PasswordInput label="Password" autoComplete="current-password" required {...form.getInputProps("password")} />
            {error && (
              <Text c="red" size="sm" role="alert">
                {error}
              </Text>
            )}
            <Button type="submit" loading={form.submitting}>
              Sign in
            </Button>
            <Text size="sm">
              New team? <Anchor component={Link} to="/register">Register your organization</Anchor>
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
              await register(values);
              navigate("/", { replace: true });
            } catch (e) {
              applyApiError(form, e);
            }
          })}
        >
          <Stack>
            <Title order={2}>Register your organization</Title>
            <TextInput label="Organization" required {...form.getInputProps("organization_name")} />
            <TextInput label="Your name" required {...form.getInputProps("full_name")} />
            <TextInput label="Email" type="email" required {...form.getInputProps("email")} />
            <PasswordInput
              label="Password"
              description={lengthHint(PASSWORD_RULE)}
              required
              {...form.getInputProps("password")}
            />
            <Button type="submit" loading={form.submitting}>
              Create organization
            </Button>
            <Text size="sm">
              Already have an account? <Anchor component={Link} to="/login">Sign in</Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
