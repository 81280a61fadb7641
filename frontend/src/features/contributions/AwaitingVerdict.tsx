// The debrief's "waiting for a verdict" (DESIGN 7.5): the project's adopted ideas of earlier
// sessions whose verdict nobody has recorded yet, each with the verdict control for whoever
// may record it (the API says who: the owner, managers, admins) and read-only for the rest.
// The session room mounts it; it shows only in a debrief, the session after the client meeting.
import { Badge, Card, Group, SegmentedControl, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { Verdict } from "../../api/enums";
import { rule } from "../../api/rules";
import type { Schemas } from "../../api/types";
import { notifySaved, showError } from "../../components/forms";
import { QueryState } from "../../components/states";
import { absoluteTime, relativeTime } from "../../format";
import { useTranslation } from "../../i18n/react";
import { KIND_INLINE_KEYS } from "../sessions/labels";
import { useIdeasAwaitingVerdict, useSetVerdict, type IdeaAwaitingVerdict } from "./queries";

/** The panel, in a debrief session only. */
export function AwaitingVerdict({ session }: { session: Schemas["SessionRead"] }) {
  return session.purpose === "debrief" ? <AwaitingVerdictPanel projectId={session.project_id} /> : null;
}

function AwaitingIdea({ idea, canRecord }: { idea: IdeaAwaitingVerdict; canRecord: boolean }) {
  const { t } = useTranslation("sessions");
  const [note, setNote] = useState("");
  const setVerdict = useSetVerdict();
  const labels = { worked: t("verdict.worked"), did_not_work: t("verdict.didNotWork"), not_tried: t("verdict.notTried") };
  const record = (verdict: string) =>
    setVerdict.mutate(
      { id: idea.id, verdict: verdict as (typeof Verdict)[number], note: note.trim() },
      { onSuccess: () => notifySaved(t("verdict.awaiting.saved")), onError: (e) => showError(e) },
    );
  return (
    <div data-testid="awaiting-idea">
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {idea.body}
      </Text>
      <Text size="xs" c="dimmed">
        <Badge size="xs" variant="light">
          {t(KIND_INLINE_KEYS[idea.kind])}
        </Badge>{" "}
        <span title={absoluteTime(idea.session_completed_at)}>
          {t("verdict.awaiting.from", { session: idea.session_title, when: relativeTime(idea.session_completed_at), name: idea.author_name })}
        </span>
      </Text>
      {canRecord ? (
        <Group gap="xs" mt={4} align="flex-end" wrap="wrap">
          <TextInput
            size="xs"
            placeholder={t("verdict.awaiting.note")}
            aria-label={t("verdict.awaiting.noteAria", { idea: idea.body })}
            value={note}
            maxLength={rule("ContributionVerdict", "note").maxLength}
            onChange={(e) => setNote(e.currentTarget.value)}
            style={{ flex: "1 1 12rem" }}
          />
          <SegmentedControl
            size="xs"
            aria-label={t("verdict.aria", { idea: idea.body })}
            value=""
            disabled={setVerdict.isPending}
            data={Verdict.map((value) => ({ value, label: labels[value] }))}
            onChange={record}
            data-testid="awaiting-verdict-control"
          />
        </Group>
      ) : (
        <Badge size="xs" variant="outline" color="gray" mt={4}>
          {t("verdict.waiting")}
        </Badge>
      )}
    </div>
  );
}

function AwaitingVerdictPanel({ projectId }: { projectId: string }) {
  const { t } = useTranslation("sessions");
  const query = useIdeasAwaitingVerdict(projectId);
  return (
    <Card withBorder data-testid="awaiting-verdict">
      <Group justify="space-between" mb={4}>
        <Title order={5}>{t("verdict.awaiting.title")}</Title>
        {query.data && (
          <Badge size="sm" variant="light" color={query.data.items.length ? "orange" : "gray"}>
            {query.data.items.length}
          </Badge>
        )}
      </Group>
      <QueryState query={query} retry>
        {({ items, canRecord }) =>
          items.length ? (
            <Stack gap="sm">
              <Text size="xs" c="dimmed">
                {canRecord ? t("verdict.awaiting.intro") : t("verdict.awaiting.introReadOnly")}
              </Text>
              {items.map((idea) => (
                <AwaitingIdea key={idea.id} idea={idea} canRecord={canRecord} />
              ))}
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              {t("verdict.awaiting.none")}
            </Text>
          )
        }
      </QueryState>
    </Card>
  );
}
