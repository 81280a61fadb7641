// A client: details (edit with If-Match), contacts, and its projects; open a project on it.
import { Anchor, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link, useParams } from "react-router";
import { Empty, ErrorState, Loading, QueryState } from "../components/states";
import { StatusBadge } from "../components/StatusBadge";
import { ClientFormModal, ContactFormModal } from "../features/clients/ClientForms";
import { useClient, useContacts } from "../features/clients/queries";
import { ProjectFormModal } from "../features/projects/ProjectForms";
import { useClientProjects } from "../features/projects/queries";
import { useUserNames } from "../features/users/queries";
import { label, relativeTime } from "../format";
import { useTranslation } from "../i18n/react";

export function ClientPage() {
  const { t } = useTranslation("clients");
  const { clientId = "" } = useParams();
  const nameOf = useUserNames();
  const [editing, edit] = useDisclosure();
  const [addingContact, contact] = useDisclosure();
  const [opening, project] = useDisclosure();
  const client = useClient(clientId);
  const contacts = useContacts(clientId);
  const projects = useClientProjects(clientId);
  if (client.isPending) return <Loading />;
  if (client.error) return <ErrorState error={client.error} onRetry={client.refetch} />;
  const c = client.data.client;

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{c.name}</Title>
          <Group gap="xs">
            <StatusBadge status={c.status} />
            <Text size="sm" c="dimmed">
              {t("page.meta", { industry: c.industry, owner: nameOf(c.owner_id) })}
              {c.external_source ? t("page.from", { source: c.external_source }) : ""}
            </Text>
          </Group>
        </div>
        <Group>
          <Button variant="default" onClick={edit.open}>
            {t("page.edit")}
          </Button>
          <Button onClick={project.open}>{t("page.openProject")}</Button>
        </Group>
      </Group>
      {c.notes && <Text style={{ whiteSpace: "pre-wrap" }}>{c.notes}</Text>}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t("page.projects")}</Title>
          </Group>
          <QueryState query={projects}>
            {(clientProjects) =>
              clientProjects.length ? (
                <Table>
                  <Table.Tbody>
                    {clientProjects.map((p) => (
                      <Table.Tr key={p.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/projects/${p.id}`}>
                            {p.title}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={p.status} />
                        </Table.Td>
                        <Table.Td>{p.due_date ? relativeTime(p.due_date) : ""}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : (
                <Empty action={<Button variant="light" size="xs" onClick={project.open}>{t("page.openProject")}</Button>}>
                  {t("page.noProjects")}
                </Empty>
              )}
          </QueryState>
        </Card>
        <Card withBorder>
          <Group justify="space-between" mb="xs">
            <Title order={4}>{t("page.contacts")}</Title>
            <Button size="xs" variant="light" onClick={contact.open}>
              {t("page.addContact")}
            </Button>
          </Group>
          <QueryState query={contacts}>
            {(people) =>
              people.length ? (
                <Table>
                  <Table.Tbody>
                    {people.map((ct) => (
                      <Table.Tr key={ct.id}>
                        <Table.Td>
                          <Text size="sm" fw={500}>
                            {ct.name}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {ct.title}
                          </Text>
                        </Table.Td>
                        <Table.Td>{label(ct.buying_role)}</Table.Td>
                        <Table.Td>
                          {ct.email && (
                            <Anchor href={`mailto:${ct.email}`} size="sm">
                              {ct.email}
                            </Anchor>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : (
                <Empty>{t("page.noContacts")}</Empty>
              )}
          </QueryState>
        </Card>
      </SimpleGrid>
      {editing && (
        <ClientFormModal opened={editing} onClose={edit.close} client={c} etag={client.data.etag} onSaved={() => client.refetch()} />
      )}
      {addingContact && <ContactFormModal clientId={clientId} opened={addingContact} onClose={contact.close} />}
      {opening && <ProjectFormModal clientId={clientId} opened={opening} onClose={project.close} />}
    </Stack>
  );
}
