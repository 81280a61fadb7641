// Secrets the API shows exactly once (copy now), copyable example requests, and the create
// dialog that turns into them.
import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "../i18n/react";

/** A secret the API shows exactly once: copy it now. */
export function ShownOnce({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  const { t } = useTranslation("widgets");
  return (
    <Alert color="yellow" title={t("shownOnce.title", { label })} data-testid="shown-once">
      <Stack gap="xs">
        <Text size="sm">{t("shownOnce.text")}</Text>
        <Group gap="xs" wrap="nowrap">
          <Code style={{ wordBreak: "break-all" }} data-testid="secret-value">
            {value}
          </Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="xs" variant="light" onClick={copy}>
                {copied ? t("actions.copied") : t("actions.copy")}
              </Button>
            )}
          </CopyButton>
        </Group>
        {children}
      </Stack>
    </Alert>
  );
}

export function CopyableBlock({ text, label }: { text: string; label: string }) {
  const { t } = useTranslation("widgets");
  return (
    <div>
      <Group justify="space-between" mb={4}>
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button size="compact-xs" variant="light" onClick={copy}>
              {copied ? t("actions.copied") : t("actions.copy")}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
        {text}
      </Code>
    </div>
  );
}

/** A create dialog whose answer holds a secret: the form until it succeeds, then what was
 * created (`shown`) with Done. */
export function CreateOnceModal<T>({
  title,
  size,
  created,
  shown,
  onClose,
  children,
}: {
  title: string;
  size: string;
  created: T | null;
  shown: (created: T) => ReactNode;
  onClose: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation("widgets");
  return (
    <Modal opened onClose={onClose} title={title} size={size}>
      {created ? (
        <Stack>
          {shown(created)}
          <Group justify="flex-end">
            <Button onClick={onClose}>{t("actions.done")}</Button>
          </Group>
        </Stack>
      ) : (
        children
      )}
    </Modal>
  );
}
