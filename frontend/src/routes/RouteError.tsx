// Shown instead of a blank page when a screen fails to render.
import { Alert, Button, Center, Stack, Text } from "@mantine/core";
import { useTranslation } from "../i18n/react";
import { useRouteError } from "react-router";
import { errorMessage } from "../api/problem";

export function RouteError() {
  const error = useRouteError();
  const { t } = useTranslation();
  return (
    <Center p="xl">
      <Alert color="red" title={t("routeError.title")} maw={520} role="alert">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{errorMessage(error)}</Text>
          <Button size="xs" variant="light" color="red" onClick={() => location.reload()}>
            {t("routeError.reload")}
          </Button>
        </Stack>
      </Alert>
    </Center>
  );
}
