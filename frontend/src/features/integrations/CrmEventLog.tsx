// A CRM connection's event log (admins): what each event the CRM sent did — received when,
// its result as a badge, why, the project it touched — newest first with "load more", all or
// failed only, and Retry on a failed one (after fixing a token or an owner). Above it, what
// the connection lacks to read the CRM (no API token), in the reader's language.
import { Alert, Anchor, Badge, Button, Drawer, Group, SegmentedControl, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import type { Schemas } from "../../api/types";
import { ListTable } from "../../components/ListPanel";
import { notifySaved, showError } from "../../components/forms";
import { Empty, QueryState } from "../../components/states";
import { absoluteTime, label, relativeTime } from "../../format";
import { useTranslation } from "../../i18n/react";
import { useCrmEvents, useRetryCrmEvent, type CrmEvent } from "./queries";

type Connection = Schemas["CrmConnectionRead"];

const RESULT_COLOURS: Record<Schemas["InboundResult"], string> = {
  pending: "yellow",
  created: "green",
  updated: "blue",
  ignored: "gray",
  failed: "red",
};

/** The API's `missing` ("access_token: without it …") as sentences in the reader's language:
 * the field before the colon picks the catalog's sentence; one it does not know reads as sent. */
export function useMissingText(connection: Connection): string[] {
  const { t } = useTranslation("settings");
  return (connection.missing ?? []).map((text) => {
    const field = text.split(":", 1)[0];
    const key = `crm.missing.${connection.provider}_${field}`;
    return t(key as "crm.missing.hubspot_access_token", { defaultValue: text });
  });
}

export function CrmMissing({ connection }: { connection: Connection }) {
  const { t } = useTranslation("settings");
  const missing = useMissingText(connection);
  if (!missing.length) return null;
  return (
    <Alert color="yellow" variant="light" title={t("crm.missingTitle")} data-testid="crm-missing">
      <Stack gap={4}>
        {missing.map((text) => (
          <Text key={text} size="sm">
            {text}
          </Text>
        ))}
        <Text size="xs" c="dimmed">
          {t("crm.missingFix")}
        </Text>
      </Stack>
    </Alert>
  );
}

function When({ value }: { value: string }) {
  return (
    <Text size="xs" c="dimmed" title={absoluteTime(value)} component="span">
      {relativeTime(value)}
    </Text>
  );
}

function EventRow({ event, onRetry, retrying }: { event: CrmEvent; onRetry: (id: string) => void; retrying: boolean }) {
  const { t } = useTranslation("settings");
  const waiting = event.result === "pending" && event.next_attempt_at;
  return (
    <Table.Tr data-testid="crm-event">
      <Table.Td>
        <Text size="sm">{event.event_type || t("crm.log.unknownType")}</Text>
        <Text size="xs" c="dimmed" style={{ wordBreak: "break-all" }}>
          {event.external_id}
        </Text>
      </Table.Td>
      <Table.Td>
        <When value={event.created_at} />
      </Table.Td>
      <Table.Td>
        <Stack gap={2} align="flex-start">
          <Badge color={RESULT_COLOURS[event.result]} variant="light" size="sm">
            {label(event.result)}
          </Badge>
          {event.result !== "pending" && <When value={event.updated_at} />}
          {waiting && (
            <Text size="xs" c="dimmed">
              {t("crm.log.nextTry", { when: relativeTime(event.next_attempt_at) })}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="xs" lineClamp={4} title={event.reason} style={{ wordBreak: "break-word" }}>
          {event.reason || "—"}
        </Text>
        {event.attempts > 1 && (
          <Text size="xs" c="dimmed">
            {t("crm.log.attempts", { count: event.attempts })}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {event.project_id ? (
          <Anchor component={Link} to={`/projects/${event.project_id}`} size="sm">
            {event.project_title ?? t("crm.log.project")}
          </Anchor>
        ) : (
          <Text size="sm" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {event.result === "failed" && (
          <Button
            size="compact-xs"
            variant="light"
            aria-label={t("crm.log.retryAria", { event: event.event_type || event.external_id })}
            loading={retrying}
            onClick={() => onRetry(event.id)}
          >
            {t("crm.log.retry")}
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

export type CrmEventFilter = "all" | "failed";

export function CrmEventLog({
  connection,
  initialFilter = "all",
  onClose,
}: {
  connection: Connection;
  initialFilter?: CrmEventFilter;
  onClose: () => void;
}) {
  const { t } = useTranslation("settings");
  const [filter, setFilter] = useState<CrmEventFilter>(initialFilter);
  const events = useCrmEvents(connection.id, filter === "all" ? undefined : filter);
  const retry = useRetryCrmEvent(connection.id);
  const onRetry = (id: string) =>
    retry.mutate(id, { onSuccess: () => notifySaved(t("crm.log.queuedAgain")), onError: (e) => showError(e, t("crm.log.retryRefused")) });
  return (
    <Drawer opened onClose={onClose} position="right" size="xl" title={t("crm.log.title", { name: connection.name })}>
      <Stack>
        <CrmMissing connection={connection} />
        <SegmentedControl
          aria-label={t("crm.log.show")}
          value={filter}
          onChange={(value) => setFilter(value as CrmEventFilter)}
          data={[
            { value: "all", label: t("crm.log.all") },
            { value: "failed", label: t("crm.log.failedOnly") },
          ]}
        />
        <QueryState query={events} retry>
          {(data) => {
            const items = data.pages.flatMap((page) => page.items);
            if (!items.length) return <Empty>{filter === "failed" ? t("crm.log.noneFailed") : t("crm.log.none")}</Empty>;
            return (
              <>
                <ListTable
                  minWidth={720}
                  heads={[t("crm.log.event"), t("crm.log.received"), t("crm.log.result"), t("crm.log.reason"), t("crm.log.project"), ""]}
                >
                  {items.map((event) => (
                    <EventRow key={event.id} event={event} onRetry={onRetry} retrying={retry.isPending && retry.variables === event.id} />
                  ))}
                </ListTable>
                {events.hasNextPage && (
                  <Group justify="center">
                    <Button variant="default" size="xs" loading={events.isFetchingNextPage} onClick={() => events.fetchNextPage()}>
                      {t("crm.log.loadMore")}
                    </Button>
                  </Group>
                )}
              </>
            );
          }}
        </QueryState>
      </Stack>
    </Drawer>
  );
}
