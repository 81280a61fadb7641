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
          notifySaved(client ? "Client saved" : `Client ${saved.name} created`);
          onClose();
          onSaved?.(saved);
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title={client ? "Edit client" : "New client"}>
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label="Name" data-autofocus {...form.getInputProps("name")} />
          <TextInput label="Industry" {...form.getInputProps("industry")} />
          <Select label="Status" data={[...ClientStatus]} allowDeselect={false} {...form.getInputProps("status")} />
          <UserSelect label="Owner" placeholder="Me" clearable {...form.getInputProps("owner_id")} />
          <Textarea label="Notes" autosize minRows={2} {...form.getInputProps("notes")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {client ? "Save" : "Create client"}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

export function ContactFormModal({ clientId, opened, onClose }: { clientId: string; opened: boolean; onClose: () => void }) {
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
    <Modal opened={opened} onClose={onClose} title="New contact">
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label="Name" data-autofocus {...form.getInputProps("name")} />
          <TextInput label="Title" {...form.getInputProps("title")} />
          <Select
            label="Buying role"
            data={BuyingRole.map((r) => ({ value: r, label: label(r) }))}
            allowDeselect={false}
            {...form.getInputProps("buying_role")}
          />
          <TextInput label="Email" type="email" {...form.getInputProps("email")} />
          <TextInput label="Phone" {...form.getInputProps("phone")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            Add contact
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}
