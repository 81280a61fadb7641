// Settings (admins; managers see teams): people, teams, the organization's settings (everyone
// reads them, admins change them), and the integrations when available.
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
import { useState } from "react";
import { useSearchParams } from "react-router";
import { Role, Seniority } from "../api/enums";
import { checkLength, lengthHint, rule } from "../api/rules";
import type { Schemas } from "../api/types";
import { ConfirmButton, ConfirmDialog } from "../components/Confirm";
import { FormActions } from "../components/FormActions";
import { applyApiError, notifySaved, showError } from "../components/forms";
import { Empty, ErrorState, Loading, QueryState } from "../components/states";
import { UserSelect } from "../components/UserSelect";
import { INTEGRATION_TABS, IntegrationTabs, IntegrationPanels } from "../features/integrations/IntegrationPanels";
import { OrganizationPanel } from "../features/organization/OrganizationPanel";
import { useAddTeamMember, useCreateTeam, useDeleteTeam, useRemoveTeamMember, useTeams } from "../features/teams/queries";
import { useCreateUser, useMe, useUpdateUser, useUsers, useUserNames, type Me } from "../features/users/queries";
import { useTranslation } from "../i18n/react";
import { label } from "../format";

/** Roles from the least to the most rights, as a picker lists them. */
const ROLES = [...Role].reverse();

export function UserFormModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation("settings");
  const form = useForm({
    initialValues: {
      full_name: "",
      email: "",
      password: "",
      role: "rep" as Schemas["Role"],
      seniority: "mid" as Schemas["Seniority"],
      expertise: [] as string[],
    },
    validate: {
      full_name: (value) => checkLength(value, rule("UserCreate", "full_name")),
      password: (value) => checkLength(value, rule("UserCreate", "password")),
    },
  });
  const save = useCreateUser();
  const submit = (v: typeof form.values) =>
    save.mutate(v, {
      onSuccess: (user) => {
        notifySaved(t("people.added", { name: user.full_name }));
        form.reset();
        onClose();
      },
      onError: (e) => applyApiError(form, e),
    });
  return (
    <Modal opened={opened} onClose={onClose} title={t("people.addTitle")}>
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("people.fullName")} data-autofocus {...form.getInputProps("full_name")} />
          <TextInput label={t("people.email")} type="email" {...form.getInputProps("email")} />
          <PasswordInput label={t("people.initialPassword")} description={lengthHint(rule("UserCreate", "password"))} {...form.getInputProps("password")} />
          <Group grow>
            <Select label={t("people.role")} data={ROLES.map((r) => ({ value: r, label: label(r) }))} allowDeselect={false} {...form.getInputProps("role")} />
            <Select label={t("people.seniority")} data={Seniority.map((s) => ({ value: s, label: label(s) }))} allowDeselect={false} {...form.getInputProps("seniority")} />
          </Group>
          <TagsInput label={t("people.expertise")} placeholder={t("people.expertisePlaceholder")} {...form.getInputProps("expertise")} />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("people.add")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

function UsersPanel({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation("settings");
  const users = useUsers();
  const { data: me } = useMe();
  const [adding, add] = useDisclosure();
  const [deactivating, setDeactivating] = useState<Schemas["UserRead"] | null>(null);
  const updateUser = useUpdateUser();
  const update = (id: string, body: Schemas["UserUpdate"]) => updateUser.mutate({ id, body }, { onError: (e) => showError(e) });
  if (users.isPending) return <Loading />;
  if (users.error) return <ErrorState error={users.error} onRetry={users.refetch} />;
  return (
    <Stack>
      {canEdit && (
        <Group justify="flex-end">
          <Button onClick={add.open}>{t("people.addTitle")}</Button>
        </Group>
      )}
      <Table.ScrollContainer minWidth={720} maxHeight="70vh" type="native">
        <Table stickyHeader striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("people.name")}</Table.Th>
              <Table.Th>{t("people.email")}</Table.Th>
              <Table.Th>{t("people.role")}</Table.Th>
              <Table.Th>{t("people.seniority")}</Table.Th>
              <Table.Th>{t("people.expertise")}</Table.Th>
              <Table.Th>{t("people.active")}</Table.Th>
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
                      aria-label={t("people.roleOf", { name: u.full_name })}
                      data={ROLES.map((r) => ({ value: r, label: label(r) }))}
                      value={u.role}
                      allowDeselect={false}
                      onChange={(role) => role && update(u.id, { role: role as Schemas["Role"] })}
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
                    aria-label={t("people.activeOf", { name: u.full_name })}
                    checked={u.is_active}
                    disabled={!canEdit || u.id === me?.id}
                    onChange={(e) =>
                      e.currentTarget.checked ? update(u.id, { is_active: true }) : setDeactivating(u)
                    }
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {adding && <UserFormModal opened={adding} onClose={add.close} />}
      <ConfirmDialog
        opened={deactivating !== null}
        title={t("people.deactivateTitle", { name: deactivating?.full_name ?? "" })}
        confirmLabel={t("people.deactivate")}
        onClose={() => setDeactivating(null)}
        onConfirm={() => {
          if (deactivating) update(deactivating.id, { is_active: false });
          setDeactivating(null);
        }}
      >
        {t("people.deactivateWhat", { name: deactivating?.full_name ?? "" })}
      </ConfirmDialog>
    </Stack>
  );
}

function TeamFormModal({ opened, onClose, pickManager }: { opened: boolean; onClose: () => void; pickManager: boolean }) {
  const { t } = useTranslation("settings");
  const users = useUsers();
  const form = useForm({
    initialValues: { name: "", description: "", manager_id: null as string | null, member_ids: [] as string[] },
  });
  const save = useCreateTeam();
  const submit = (v: typeof form.values) =>
    save.mutate(
      { ...v, manager_id: v.manager_id || null },
      {
        onSuccess: () => {
          form.reset();
          onClose();
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title={t("teams.new")}>
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("people.name")} data-autofocus {...form.getInputProps("name")} />
          <Textarea label={t("teams.description")} {...form.getInputProps("description")} />
          {/* A manager's new team is their own; only admins hand it to someone else. */}
          {pickManager && <UserSelect label={t("teams.manager")} placeholder={t("teams.me")} clearable {...form.getInputProps("manager_id")} />}
          <MultiSelect
            label={t("teams.members")}
            searchable
            data={(users.data ?? []).filter((u) => u.is_active).map((u) => ({ value: u.id, label: u.full_name }))}
            {...form.getInputProps("member_ids")}
          />
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("teams.create")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

function TeamCard({ team, canEdit }: { team: Schemas["TeamRead"]; canEdit: boolean }) {
  const { t } = useTranslation("settings");
  const nameOf = useUserNames();
  const [adding, setAdding] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Schemas["TeamRead"]["members"][number] | null>(null);
  const addMember = useAddTeamMember(team.id);
  const removeMember = useRemoveTeamMember(team.id);
  const deleteTeam = useDeleteTeam(team.id);
  const onError = (e: unknown) => showError(e);
  return (
    <Card withBorder data-testid="team-card">
      <Group justify="space-between">
        <div>
          <Title order={4}>{team.name}</Title>
          <Text size="xs" c="dimmed">
            {t("teams.managerLine", { manager: nameOf(team.manager_id), description: team.description })}
          </Text>
        </div>
        <Group gap="xs">
          <Badge variant="light">{t("teams.people", { count: team.members.length })}</Badge>
          {canEdit && (
            <ConfirmButton
              size="compact-xs"
              variant="subtle"
              color="red"
              title={t("teams.deleteTitle", { name: team.name })}
              what={
                <>{t("teams.deleteWhat", { count: team.members.length })}</>
              }
              confirmLabel={t("teams.delete")}
              onConfirm={() => deleteTeam.mutate(undefined, { onSuccess: () => notifySaved(t("teams.deleted", { name: team.name })), onError })}
            >
              {t("teams.delete")}
            </ConfirmButton>
          )}
        </Group>
      </Group>
      <Group gap={6} mt="xs">
        {team.members.map((m) => (
          <Badge
            key={m.user_id}
            variant="outline"
            rightSection={
              canEdit ? <CloseButton size="xs" aria-label={t("teams.removeAria", { name: m.full_name, team: team.name })} onClick={() => setRemoving(m)} /> : undefined
            }
          >
            {m.full_name} · {label(m.seniority)}
          </Badge>
        ))}
      </Group>
      {canEdit && (
        <Group mt="xs" align="flex-end">
          <UserSelect size="xs" placeholder={t("teams.addMember")} value={adding} onChange={setAdding} aria-label={t("teams.addAria", { team: team.name })} w={220} />
          <Button size="xs" variant="light" disabled={!adding} onClick={() => adding && addMember.mutate(adding, { onSuccess: () => setAdding(null), onError })} loading={addMember.isPending}>
            {t("teams.add")}
          </Button>
        </Group>
      )}
      <ConfirmDialog
        opened={removing !== null}
        title={t("teams.removeTitle", { name: removing?.full_name ?? "", team: team.name })}
        confirmLabel={t("teams.removeConfirm")}
        loading={removeMember.isPending}
        onClose={() => setRemoving(null)}
        onConfirm={() => {
          if (removing) removeMember.mutate(removing.user_id, { onError });
          setRemoving(null);
        }}
      >
        {t("teams.removeWhat", { name: removing?.full_name ?? "", manager: nameOf(team.manager_id) })}
      </ConfirmDialog>
    </Card>
  );
}

function TeamsPanel({ me }: { me: Me }) {
  const { t } = useTranslation("settings");
  const [creating, create] = useDisclosure();
  const isAdmin = me.role === "admin";
  const isStaff = isAdmin || me.role === "manager";
  const teams = useTeams();
  return (
    <Stack>
      {isStaff && (
        <Group justify="flex-end">
          <Button onClick={create.open}>{t("teams.new")}</Button>
        </Group>
      )}
      <QueryState query={teams} retry>
        {(teamList) =>
          teamList.length ? (
            // Admins change every team, a manager the teams they manage (as the API allows).
            teamList.map((team) => <TeamCard key={team.id} team={team} canEdit={isAdmin || (me.role === "manager" && team.manager_id === me.id)} />)
          ) : (
            <Empty>{isStaff ? t("teams.noneStaff") : t("teams.none")}</Empty>
          )}
      </QueryState>
      {creating && <TeamFormModal opened={creating} onClose={create.close} pickManager={isAdmin} />}
    </Stack>
  );
}

const TAB_KEYS = ["users", "teams", "organization"];

/** The tabs a role can use, the first being where Settings opens. */
export function settingsTabs(role: Schemas["Role"]): string[] {
  if (role === "admin") return ["users", "teams", "organization", ...INTEGRATION_TABS];
  return ["teams", "users", "organization"];
}

export function SettingsPage() {
  const { t } = useTranslation("settings");
  const me = useMe();
  const [params, setParams] = useSearchParams();
  return (
    <Stack>
      <Title order={2}>{t("title")}</Title>
      <QueryState query={me}>
        {(person) => {
          const tabs = settingsTabs(person.role);
          const asked = params.get("tab");
          const tab = asked && tabs.includes(asked) ? asked : tabs[0];
          const isAdmin = person.role === "admin";
          return (
            <Tabs value={tab} onChange={(value) => value && setParams({ tab: value }, { replace: true })} keepMounted={false}>
              <Tabs.List>
                {tabs
                  .filter((value) => TAB_KEYS.includes(value))
                  .map((value) => (
                    <Tabs.Tab key={value} value={value}>
                      {{ users: t("tabs.people"), teams: t("tabs.teams"), organization: t("tabs.organization") }[value]}
                    </Tabs.Tab>
                  ))}
                {isAdmin && <IntegrationTabs />}
              </Tabs.List>
              <Tabs.Panel value="users" pt="md">
                <UsersPanel canEdit={isAdmin} />
              </Tabs.Panel>
              <Tabs.Panel value="teams" pt="md">
                <TeamsPanel me={person} />
              </Tabs.Panel>
              <Tabs.Panel value="organization" pt="md">
                <OrganizationPanel canEdit={isAdmin} />
              </Tabs.Panel>
              {isAdmin && <IntegrationPanels />}
            </Tabs>
          );
        }}
      </QueryState>
    </Stack>
  );
}
