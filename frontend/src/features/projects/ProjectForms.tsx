// Project forms: open a project (optionally on a client), close it as won/lost, log time,
// schedule a session.
import { Button, Checkbox, Group, Modal, NumberInput, Select, Stack, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useNavigate } from "react-router";
import { LostReason, ProjectCloseResult, ProjectKind, SessionPurpose } from "../../api/enums";
import { checkLength, checkRange, rule } from "../../api/rules";
import type { Schemas } from "../../api/types";
import { applyApiError, notifySaved } from "../../components/forms";
import { FormActions } from "../../components/FormActions";
import { UserSelect } from "../../components/UserSelect";
import { currencyPlaces, label, todayIso } from "../../format";
import { useAllClients } from "../clients/queries";
import { useMe } from "../users/queries";
import { useScheduleSession } from "../sessions/queries";
import { useLogTime } from "../time-entries/queries";
import { useCloseProject, useCreateProject, type Project } from "./queries";
import { useTranslation } from "../../i18n/react";

const TIME_RULE = rule("TimeEntryCreate", "minutes");
const TIMEBOX_RULE = rule("SessionCreate", "timebox_minutes");
const VOTE_BUDGET_RULE = rule("SessionCreate", "vote_budget");

const options = (values: readonly string[]) => values.map((value) => ({ value, label: label(value) }));

export function ProjectFormModal({ opened, onClose, clientId }: { opened: boolean; onClose: () => void; clientId?: string }) {
  const { t } = useTranslation("projects");
  const navigate = useNavigate();
  const clients = useAllClients();
  const { data: me } = useMe();
  const form = useForm({
    initialValues: {
      title: "",
      kind: (clientId ? "account" : "prospecting") as Schemas["ProjectKind"],
      client_id: (clientId ?? null) as string | null,
      objective: "",
      due_date: "",
      helper_budget_minutes: 120 as number | string,
      estimated_value: "" as number | string,
      currency: "", // empty: the organization's default currency
    },
    validate: {
      title: (value) => checkLength(value, rule("ProjectCreate", "title")),
      objective: (value) => checkLength(value, rule("ProjectCreate", "objective"), { required: false }),
      helper_budget_minutes: (value) => checkRange(value, rule("ProjectCreate", "helper_budget_minutes")),
    },
  });
  const defaultCurrency = me?.organization.default_currency ?? "EUR";
  const currency = form.values.currency.trim().toUpperCase() || defaultCurrency;
  const save = useCreateProject();
  const submit = (v: typeof form.values) =>
    save.mutate(
      {
        title: v.title,
        kind: v.kind,
        client_id: v.client_id || null,
        objective: v.objective,
        due_date: v.due_date || null,
        helper_budget_minutes: Number(v.helper_budget_minutes),
        // A decimal string, as the API writes amounts: no float rounding on the way.
        estimated_value: v.estimated_value === "" ? null : String(v.estimated_value),
        currency: v.currency.trim().toUpperCase() || null,
      },
      {
        onSuccess: (project) => {
          notifySaved(t("form.opened", { title: project.title }));
          onClose();
          navigate(`/projects/${project.id}`);
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title={t("form.title")} size="lg">
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("form.colTitle")} data-autofocus {...form.getInputProps("title")} />
          <Group grow align="flex-start">
            <Select label={t("form.kind")} data={options(ProjectKind)} allowDeselect={false} {...form.getInputProps("kind")} />
            <Select
              label={t("form.client")}
              searchable
              clearable
              data={(clients.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
              {...form.getInputProps("client_id")}
            />
          </Group>
          <Textarea label={t("form.objective")} description={t("form.objectiveHint")} autosize minRows={3} {...form.getInputProps("objective")} />
          <Group grow align="flex-start">
            <TextInput label={t("form.dueDate")} type="date" min={todayIso()} {...form.getInputProps("due_date")} />
            <NumberInput label={t("form.helperBudget")} min={0} step={15} {...form.getInputProps("helper_budget_minutes")} />
          </Group>
          <Group grow align="flex-start">
            <NumberInput
              label={t("form.estimatedValue")}
              min={0}
              decimalScale={currencyPlaces(currency)}
              {...form.getInputProps("estimated_value")}
            />
            <TextInput label={t("form.currency")} maxLength={3} placeholder={defaultCurrency} {...form.getInputProps("currency")} />
          </Group>
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("form.submit")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

export function CloseProjectModal({ project, opened, onClose }: { project: Project; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation("projects");
  const form = useForm({
    initialValues: {
      result: "won" as Schemas["ProjectClose"]["result"],
      lost_reason: null as Schemas["LostReason"] | null,
      competitor: "",
      note: "",
    },
    validate: {
      lost_reason: (value, values) => (values.result === "lost" && !value ? t("close.sayWhy") : null),
    },
  });
  const save = useCloseProject(project.id);
  const lost = form.values.result === "lost";
  // A lost deal says why (and maybe to whom); the other results carry neither.
  const body = (v: typeof form.values): Schemas["ProjectClose"] =>
    v.result === "lost"
      ? { result: v.result, note: v.note, lost_reason: v.lost_reason, competitor: v.competitor.trim() || null }
      : { result: v.result, note: v.note };
  const submit = (v: typeof form.values) =>
    save.mutate(body(v), {
      onSuccess: () => {
        notifySaved(t("close.done"));
        onClose();
      },
      onError: (e) => applyApiError(form, e),
    });
  return (
    <Modal opened={opened} onClose={onClose} title={t("close.title")}>
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <Select label={t("close.result")} data={options(ProjectCloseResult)} allowDeselect={false} {...form.getInputProps("result")} />
          {lost && (
            <>
              <Select
                label={t("close.lostReason")}
                data={LostReason.map((value) => ({ value, label: label(value) }))}
                allowDeselect={false}
                {...form.getInputProps("lost_reason")}
              />
              {form.values.lost_reason === "competitor" && (
                <TextInput label={t("close.competitor")} {...form.getInputProps("competitor")} />
              )}
            </>
          )}
          <Textarea label={t("close.note")} autosize minRows={2} {...form.getInputProps("note")} />
          <FormActions onCancel={onClose} loading={save.isPending} color={form.values.result === "won" ? "green" : "red"}>
            {{ won: t("close.asWon"), lost: t("close.asLost"), abandoned: t("close.asAbandoned") }[form.values.result]}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}

export function TimeEntryForm({ projectId }: { projectId: string }) {
  const { t } = useTranslation("projects");
  const form = useForm({
    initialValues: { minutes: 30 as number | string, spent_on: todayIso(), note: "" },
    validate: { minutes: (value) => checkRange(value, TIME_RULE), note: (value) => checkLength(value, rule("TimeEntryCreate", "note")) },
  });
  const save = useLogTime(projectId);
  const submit = (v: typeof form.values) =>
    save.mutate(
      { minutes: Number(v.minutes), spent_on: v.spent_on, note: v.note },
      {
        onSuccess: () => {
          form.setValues({ note: "" });
          notifySaved(t("time.logged"));
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <form onSubmit={form.onSubmit(submit)} aria-label={t("time.log")}>
      <Group align="flex-end" wrap="wrap">
        <NumberInput
          label={t("time.minutes")}
          min={TIME_RULE.minimum}
          max={TIME_RULE.maximum}
          allowDecimal={false}
          w={110}
          {...form.getInputProps("minutes")}
        />
        <TextInput label={t("time.date")} type="date" w={160} {...form.getInputProps("spent_on")} />
        <TextInput label={t("close.note")} placeholder={t("time.notePlaceholder")} style={{ flex: 1, minWidth: 160 }} {...form.getInputProps("note")} />
        <Button type="submit" loading={save.isPending}>
          {t("time.log")}
        </Button>
      </Group>
    </form>
  );
}

function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function ScheduleSessionModal({ projectId, opened, onClose }: { projectId: string; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation("projects");
  const navigate = useNavigate();
  const soon = new Date(Date.now() + 15 * 60_000);
  const form = useForm({
    initialValues: {
      title: "",
      purpose: "approach" as Schemas["SessionPurpose"],
      agenda: "",
      scheduled_at: localInputValue(soon),
      timebox_minutes: 30 as number | string,
      facilitator_id: null as string | null,
      // The SPA's default is the Mastermind format (DESIGN 7.2); API clients default to open.
      format: "mastermind" as Schemas["SessionFormat"],
      anonymous: true,
      vote_budget: 3 as number | string,
    },
    validate: {
      title: (value) => checkLength(value, rule("SessionCreate", "title")),
      vote_budget: (value, values) => (values.format === "mastermind" ? checkRange(value, VOTE_BUDGET_RULE) : null),
      timebox_minutes: (value) => checkRange(value, TIMEBOX_RULE),
      agenda: (value) => checkLength(value, rule("SessionCreate", "agenda"), { required: false }),
      scheduled_at: (value) => (value ? null : "Choose when it starts"),
    },
  });
  const save = useScheduleSession(projectId);
  const submit = (v: typeof form.values) =>
    save.mutate(
      {
        title: v.title,
        purpose: v.purpose,
        agenda: v.agenda,
        scheduled_at: v.scheduled_at ? new Date(v.scheduled_at).toISOString() : "",
        timebox_minutes: Number(v.timebox_minutes),
        facilitator_id: v.facilitator_id || null,
        format: v.format,
        ...(v.format === "mastermind" ? { anonymity: v.anonymous ? "until_complete" : "none", vote_budget: Number(v.vote_budget) } : {}),
      },
      {
        onSuccess: (session) => {
          onClose();
          navigate(`/sessions/${session.id}`);
        },
        onError: (e) => applyApiError(form, e),
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title={t("schedule.title")} size="lg">
      <form onSubmit={form.onSubmit(submit)}>
        <Stack>
          <TextInput label={t("form.colTitle")} data-autofocus {...form.getInputProps("title")} />
          <Group grow align="flex-start">
            <Select label={t("schedule.purpose")} data={options(SessionPurpose)} allowDeselect={false} {...form.getInputProps("purpose")} />
            <NumberInput
              label={t("schedule.timebox")}
              description={t("schedule.timeboxHint", { min: TIMEBOX_RULE.minimum, max: TIMEBOX_RULE.maximum })}
              min={TIMEBOX_RULE.minimum}
              max={TIMEBOX_RULE.maximum}
              step={5}
              allowDecimal={false}
              {...form.getInputProps("timebox_minutes")}
            />
          </Group>
          <Textarea label={t("schedule.agenda")} autosize minRows={4} {...form.getInputProps("agenda")} />
          <Group grow align="flex-start">
            <Select
              label={t("schedule.format")}
              description={form.values.format === "mastermind" ? t("schedule.formatMastermind") : t("schedule.formatOpen")}
              data={[
                { value: "mastermind", label: t("schedule.formats.mastermind") },
                { value: "open", label: t("schedule.formats.open") },
              ]}
              allowDeselect={false}
              data-testid="session-format"
              {...form.getInputProps("format")}
            />
            {form.values.format === "mastermind" && (
              <NumberInput
                label={t("schedule.voteBudget")}
                description={t("schedule.voteBudgetHint")}
                min={VOTE_BUDGET_RULE.minimum}
                max={VOTE_BUDGET_RULE.maximum}
                allowDecimal={false}
                {...form.getInputProps("vote_budget")}
              />
            )}
          </Group>
          {form.values.format === "mastermind" && (
            <Checkbox label={t("schedule.anonymous")} description={t("schedule.anonymousHint")} {...form.getInputProps("anonymous", { type: "checkbox" })} />
          )}
          <Group grow align="flex-start">
            <TextInput label={t("schedule.starts")} type="datetime-local" {...form.getInputProps("scheduled_at")} />
            <UserSelect label={t("schedule.facilitator")} placeholder={t("schedule.theOwner")} clearable {...form.getInputProps("facilitator_id")} />
          </Group>
          <FormActions onCancel={onClose} loading={save.isPending}>
            {t("schedule.submit")}
          </FormActions>
        </Stack>
      </form>
    </Modal>
  );
}
