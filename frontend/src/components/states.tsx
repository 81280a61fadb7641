// Loading, error and empty states, so no screen is ever blank.
import { Alert, Button, Center, Loader, Stack, Text } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "../i18n/react";
import { errorMessage } from "../api/problem";

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader size="sm" />
        <Text size="sm" c="dimmed">
          {label ?? t("states.loading")}
        </Text>
      </Stack>
    </Center>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" title={t("states.couldNotLoad")} role="alert" variant="light">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            {t("states.tryAgain")}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function Empty({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <Stack align="center" gap="xs" py="lg" data-testid="empty">
      <Text c="dimmed" size="sm" ta="center">
        {children}
      </Text>
      {action}
    </Stack>
  );
}

// A query's three states in one place: loading, its error (with "Try again" when `retry`),
// then `children` with the data.
export function QueryState<T>({
  query,
  retry = false,
  children,
}: {
  query: UseQueryResult<T>;
  retry?: boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorState error={query.error} onRetry={retry ? () => void query.refetch() : undefined} />;
  return <>{children(query.data as T)}</>;
}
