// Client forms: create/edit a client (with If-Match on edit) and add a contact.
import { Modal, Select, Stack, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { BuyingRole, ClientStatus } from "../../api/enums";
import type { Schemas } from "../../api/types";
import { applyApiError, notifySaved } from "../../components/forms";
import { FormActions } from "../../components/FormActions";
import { UserSelect } from "../../components/UserSelect";
import { label } from "../../format";
import { useCreateContact, useSaveClient, type Client } from "./queries";
import { useTranslation } from "../../i18n/react";

export function ClientFormModal({
  opened,
  onClose,
  client,
  etag,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  client?: Client;
  etag?: string | null;
  onSaved?: (client: Client) => void;
}) {
  const { t } = useTranslation("clients");
  const form = useForm({
    initialValues: {
      name: client?.name ?? "",
      industry: client?.industry ?? "",
      status: (client?.status ?? "prospect") as Schemas["ClientStatus"],
      owner_id: client?.owner_id ?? (null as string | null),
      notes: client?.notes ?? "",
    },
  });
  const save = useSaveClient(client, etag);
  const submit = (values: typeof form.values) =>
    save.mutate(
      { ...values, owner_id: values.owner_id || undefined },
      {
        onSuccess: (saved) => {
          notifySaved(client ? t("form.saved") : t("form.created", { name: saved.name }));
          onClose();
          onSaved?.(saved);
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title={client ? t("form.editTitle") : t("form.newTitle")}>
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("form.name")} data-autofocus {...form.getInputProps("name")} />
          <TextInput label={t("form.industry")} {...form.getInputProps("industry")} />
          <Select label={t("form.status")} data={ClientStatus.map((s) => ({ value: s, label: label(s) }))} allowDeselect={false} {...form.getInputProps("status")} />
          <UserSelect label={t("form.owner")} placeholder={t("form.me")} clearable {...form.getInputProps("owner_id")} />
          <Textarea label={t("form.notes")} autosize minRows={2} {...form.getInputProps("notes")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {client ? t("form.save") : t("form.create")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

export function ContactFormModal({ clientId, opened, onClose }: { clientId: string; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation("clients");
  const form = useForm({
    initialValues: {
      name: "",
      title: "",
      buying_role: "influencer" as Schemas["BuyingRole"],
      email: "",
      phone: "",
      notes: "",
    },
  });
  const save = useCreateContact(clientId);
  const submit = (values: typeof form.values) =>
    save.mutate(
      { ...values, email: values.email || null, phone: values.phone || null },
      {
        onSuccess: () => {
          form.reset();
          onClose();
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title={t("contact.title")}>
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("form.name")} data-autofocus {...form.getInputProps("name")} />
          <TextInput label={t("contact.jobTitle")} {...form.getInputProps("title")} />
          <Select
            label={t("contact.buyingRole")}
            data={BuyingRole.map((r) => ({ value: r, label: label(r) }))}
            allowDeselect={false}
            {...form.getInputProps("buying_role")}
          />
          <TextInput label={t("contact.email")} type="email" {...form.getInputProps("email")} />
          <TextInput label={t("contact.phone")} {...form.getInputProps("phone")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("contact.add")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}
