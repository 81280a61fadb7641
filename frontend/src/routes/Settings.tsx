// Settings (admins; managers see teams): people, teams, and the integrations when available.
import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  TagsInput,
  Text,
  TextInput,
  Textarea,
  Title,
  CloseButton,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { unwrap } from "../api/problem";
import { useMe, useUsers, useUserNames, type Schemas } from "../api/hooks";
import { Empty, ErrorState, Loading, QueryState } from "../components/states";
import { UserSelect } from "../components/UserSelect";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { IntegrationTabs, IntegrationPanels } from "../features/integrations";

export function UserFormModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: {
      full_name: "",
      email: "",
      password: "",
      role: "rep" as Schemas["Role"],
      seniority: "mid" as Schemas["Seniority"],
      expertise: [] as string[],
    },
  });
  const save = useMutation({
    mutationFn: async (v: typeof form.values) => unwrap(await api.POST("/api/v1/users", { body: v })),
    onSuccess: (user) => {
      notifySaved(`${user.full_name} added`);
      queryClient.invalidateQueries({ queryKey: keys.users.all });
      form.reset();
      onClose();
    },
    onError: (e) => applyApiError(form, e),
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Add a person">
      <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
        <Stack>
          <TextInput label="Full name" data-autofocus {...form.getInputProps("full_name")} />
          <TextInput label="Email" type="email" {...form.getInputProps("email")} />
          <PasswordInput label="Initial password" {...form.getInputProps("password")} />
          <Group grow>
            <Select label="Role" data={["rep", "manager", "admin"]} allowDeselect={false} {...form.getInputProps("role")} />
            <Select label="Seniority" data={["junior", "mid", "senior"]} allowDeselect={false} {...form.getInputProps("seniority")} />
          </Group>
          <TagsInput label="Expertise" placeholder="Industries, skills — Enter to add" {...form.getInputProps("expertise")} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Add person
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function UsersPanel({ canEdit }: { canEdit: boolean }) {
  const queryClient = useQueryClient();
  const users = useUsers();
  const { data: me } = useMe();
  const [adding, add] = useDisclosure();
  const update = useMutation({
    mutationFn: async ({ id, body }: { id: string; body: Schemas["UserUpdate"] }) =>
      unwrap(await api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.users.all }),
    onError: (e) => showError(e),
  });
  if (users.isPending) return <Loading />;
  if (users.error) return <ErrorState error={users.error} onRetry={users.refetch} />;
  return (
    <Stack>
      {canEdit && (
        <Group justify="flex-end">
          <Button onClick={add.open}>Add a person</Button>
        </Group>
      )}
      <Table.ScrollContainer minWidth={720} maxHeight="70vh" type="native">
        <Table stickyHeader striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Seniority</Table.Th>
              <Table.Th>Expertise</Table.Th>
              <Table.Th>Active</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.data.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>{u.full_name}</Table.Td>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td>
                  {canEdit && u.id !== me?.id ? (
                    <Select
                      size="xs"
                      w={110}
                      aria-label={`Role of ${u.full_name}`}
                      data={["rep", "manager", "admin"]}
                      value={u.role}
                      allowDeselect={false}
                      onChange={(role) => role && update.mutate({ id: u.id, body: { role: role as Schemas["Role"] } })}
                    />
                  ) : (
                    u.role
                  )}
                </Table.Td>
                <Table.Td>{u.seniority}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {u.expertise.map((e) => (
                      <Badge key={e} size="xs" variant="outline">
                        {e}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Switch
                    aria-label={`${u.full_name} active`}
                    checked={u.is_active}
                    disabled={!canEdit || u.id === me?.id}
                    onChange={(e) => update.mutate({ id: u.id, body: { is_active: e.currentTarget.checked } })}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {adding && <UserFormModal opened={adding} onClose={add.close} />}
    </Stack>
  );
}

function TeamFormModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const users = useUsers();
  const form = useForm({
    initialValues: { name: "", description: "", manager_id: null as string | null, member_ids: [] as string[] },
  });
  const save = useMutation({
    mutationFn: async (v: typeof form.values) =>
      unwrap(await api.POST("/api/v1/teams", { body: { ...v, manager_id: v.manager_id || null } })),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: keys.teams.all });
      form.reset();
      onClose();
    },
    onError: (e) => applyApiError(form, e),
  });
  return (
    <Modal opened={opened} onClose={onClose} title="New team">
      <form onSubmit={form.onSubmit((v) => save.mutate(v))}>
        <Stack>
          <TextInput label="Name" data-autofocus {...form.getInputProps("name")} />
          <Textarea label="Description" {...form.getInputProps("description")} />
          <UserSelect label="Manager" placeholder="Me" clearable {...form.getInputProps("manager_id")} />
          <MultiSelect
            label="Members"
            searchable
            data={(users.data ?? []).filter((u) => u.is_active).map((u) => ({ value: u.id, label: u.full_name }))}
            {...form.getInputProps("member_ids")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Create team
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function TeamCard({ team }: { team: Schemas["TeamRead"] }) {
  const queryClient = useQueryClient();
  const nameOf = useUserNames();
  const [adding, setAdding] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.teams.all });
  const addMember = useMutation({
    mutationFn: async (userId: string) =>
      unwrap(await api.PUT("/api/v1/teams/{team_id}/members/{user_id}", { params: { path: { team_id: team.id, user_id: userId } } })),
    onSuccess: () => {
      setAdding(null);
      invalidate();
    },
    onError: (e) => showError(e),
  });
  const removeMember = useMutation({
    mutationFn: async (userId: string) => {
      const result = await api.DELETE("/api/v1/teams/{team_id}/members/{user_id}", {
        params: { path: { team_id: team.id, user_id: userId } },
      });
      return unwrap(result);
    },
    onSuccess: invalidate,
    onError: (e) => showError(e),
  });
  return (
    <Card withBorder>
      <Group justify="space-between">
        <div>
          <Title order={4}>{team.name}</Title>
          <Text size="xs" c="dimmed">
            Manager {nameOf(team.manager_id)} · {team.description}
          </Text>
        </div>
        <Badge variant="light">{team.members.length} people</Badge>
      </Group>
      <Group gap={6} mt="xs">
        {team.members.map((m) => (
          <Badge
            key={m.user_id}
            variant="outline"
            rightSection={
              <CloseButton size="xs" aria-label={`Remove ${m.full_name} from ${team.name}`} onClick={() => removeMember.mutate(m.user_id)} />
            }
          >
            {m.full_name} · {m.seniority}
          </Badge>
        ))}
      </Group>
      <Group mt="xs" align="flex-end">
        <UserSelect size="xs" placeholder="Add a member" value={adding} onChange={setAdding} aria-label={`Add a member to ${team.name}`} w={220} />
        <Button size="xs" variant="light" disabled={!adding} onClick={() => adding && addMember.mutate(adding)} loading={addMember.isPending}>
          Add
        </Button>
      </Group>
    </Card>
  );
}

function TeamsPanel() {
  const [creating, create] = useDisclosure();
  const teams = useQuery({
    queryKey: keys.teams.all,
    queryFn: async () => unwrap(await api.GET("/api/v1/teams", { params: { query: { limit: 200 } } })).items,
  });
  return (
    <Stack>
      <Group justify="flex-end">
        <Button onClick={create.open}>New team</Button>
      </Group>
      <QueryState query={teams} retry>
        {(teamList) =>
          teamList.length ? (
            teamList.map((t) => <TeamCard key={t.id} team={t} />)
          ) : (
            <Empty>No teams yet — create one and pick its manager.</Empty>
          )}
      </QueryState>
      {creating && <TeamFormModal opened={creating} onClose={create.close} />}
    </Stack>
  );
}

export function SettingsPage() {
  const { data: me } = useMe();
  const isAdmin = me?.role === "admin";
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <Tabs defaultValue={isAdmin ? "users" : "teams"} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="users">People</Tabs.Tab>
          <Tabs.Tab value="teams">Teams</Tabs.Tab>
          {isAdmin && <IntegrationTabs />}
        </Tabs.List>
        <Tabs.Panel value="users" pt="md">
          <UsersPanel canEdit={isAdmin} />
        </Tabs.Panel>
        <Tabs.Panel value="teams" pt="md">
          <TeamsPanel />
        </Tabs.Panel>
        {isAdmin && <IntegrationPanels />}
      </Tabs>
    </Stack>
  );
}
