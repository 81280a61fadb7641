// Client forms: create/edit a client (with If-Match on edit) and add a contact.
import { Button, Group, Modal, Select, Stack, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { unwrap } from "../api/problem";
import { newIdempotencyKey, type Schemas } from "../api/hooks";
import { applyApiError, notifySaved } from "../components/forms";
import { UserSelect } from "../components/UserSelect";

export const CLIENT_STATUSES = ["prospect", "active", "dormant", "lost"] as const;
export const BUYING_ROLES = ["decision_maker", "influencer", "champion", "gatekeeper", "user"] as const;

export function ClientFormModal({
  opened,
  onClose,
  client,
  etag,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  client?: Schemas["ClientRead"];
  etag?: string | null;
  onSaved?: (client: Schemas["ClientRead"]) => void;
}) {
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: {
      name: client?.name ?? "",
      industry: client?.industry ?? "",
      status: (client?.status ?? "prospect") as Schemas["ClientStatus"],
      owner_id: client?.owner_id ?? (null as string | null),
      notes: client?.notes ?? "",
    },
  });
  const save = useMutation({
    mutationFn: async (values: typeof form.values) => {
      const body = { ...values, owner_id: values.owner_id || undefined };
      if (client) {
        return unwrap(
          await api.PATCH("/api/v1/clients/{client_id}", {
            params: { path: { client_id: client.id }, header: { "If-Match": etag ?? undefined } },
            body,
          }),
        );
      }
      return unwrap(
        await api.POST("/api/v1/clients", { params: { header: { "Idempotency-Key": newIdempotencyKey() } }, body }),
      );
    },
    onSuccess: (saved) => {
      queryClient.invalidateQueries({ queryKey: keys.clients.all });
      notifySaved(client ? "Client saved" : `Client ${saved.name} created`);
      onClose();
      onSaved?.(saved);
    },
    onError: (e) => applyApiError(form, e),
  });
  return (
    <Modal opened={opened} onClose={onClose} title={client ? "Edit client" : "New client"}>
      <form onSubmit={form.onSubmit((values) => save.mutate(values))}>
        <Stack>
          <TextInput label="Name" data-autofocus {...form.getInputProps("name")} />
          <TextInput label="Industry" {...form.getInputProps("industry")} />
          <Select label="Status" data={[...CLIENT_STATUSES]} allowDeselect={false} {...form.getInputProps("status")} />
          <UserSelect label="Owner" placeholder="Me" clearable {...form.getInputProps("owner_id")} />
          <Textarea label="Notes" autosize minRows={2} {...form.getInputProps("notes")} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {client ? "Save" : "Create client"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ContactFormModal({ clientId, opened, onClose }: { clientId: string; opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
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
  const save = useMutation({
    mutationFn: async (values: typeof form.values) =>
      unwrap(
        await api.POST("/api/v1/clients/{client_id}/contacts", {
          params: { path: { client_id: clientId }, header: { "Idempotency-Key": newIdempotencyKey() } },
          body: { ...values, email: values.email || null, phone: values.phone || null },
        }),
      ),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: keys.clients.contacts(clientId) });
      form.reset();
      onClose();
    },
    onError: (e) => applyApiError(form, e),
  });
  return (
    <Modal opened={opened} onClose={onClose} title="New contact">
      <form onSubmit={form.onSubmit((values) => save.mutate(values))}>
        <Stack>
          <TextInput label="Name" data-autofocus {...form.getInputProps("name")} />
          <TextInput label="Title" {...form.getInputProps("title")} />
          <Select
            label="Buying role"
            data={BUYING_ROLES.map((r) => ({ value: r, label: r.replace("_", " ") }))}
            allowDeselect={false}
            {...form.getInputProps("buying_role")}
          />
          <TextInput label="Email" type="email" {...form.getInputProps("email")} />
          <TextInput label="Phone" {...form.getInputProps("phone")} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Add contact
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
