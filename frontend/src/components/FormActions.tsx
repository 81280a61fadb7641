// A form's footer: Cancel (the way out) and its submit button.
import { Button, Group, type ButtonProps } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "../i18n/react";

export function FormActions({
  onCancel,
  loading,
  children,
  ...submit
}: { onCancel: () => void; loading: boolean; children: ReactNode } & ButtonProps) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        {t("actions.cancel")}
      </Button>
      <Button type="submit" loading={loading} {...submit}>
        {children}
      </Button>
    </Group>
  );
}
