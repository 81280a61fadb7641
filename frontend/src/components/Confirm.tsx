// Nothing destructive in one click: a dialog that names what will happen, with the action
// in red and Cancel (or Esc) as the way out.
import { Button, Group, Modal, Stack, Text, type ButtonProps } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { ReactNode } from "react";
import { useTranslation } from "../i18n/react";

export function ConfirmDialog({
  opened,
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  loading = false,
}: {
  opened: boolean;
  title: string;
  /** What will happen, in the words of the person who clicks. */
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  loading?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={title} data-testid="confirm-dialog">
      <Stack>
        <Text size="sm">{children}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            {t("actions.keepIt")}
          </Button>
          <Button color="red" onClick={onConfirm} loading={loading} data-testid="confirm">
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A button that asks first; `onConfirm` runs only after the dialog's red button. */
export function ConfirmButton({
  children,
  title,
  what,
  confirmLabel,
  onConfirm,
  loading,
  ...buttonProps
}: {
  children: ReactNode;
  title: string;
  what: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  loading?: boolean;
  "aria-label"?: string;
  "data-testid"?: string;
} & ButtonProps) {
  const [opened, { open, close }] = useDisclosure();
  return (
    <>
      <Button {...buttonProps} onClick={open}>
        {children}
      </Button>
      <ConfirmDialog
        opened={opened}
        title={title}
        confirmLabel={confirmLabel}
        loading={loading}
        onClose={close}
        onConfirm={() => {
          onConfirm();
          close();
        }}
      >
        {what}
      </ConfirmDialog>
    </>
  );
}
