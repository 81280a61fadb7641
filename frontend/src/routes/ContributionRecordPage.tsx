// A person's contribution record for an appraisal interview: what they gave in a period,
// their adopted ideas and what each did, colleagues' projects helped and their results,
// takeaways. Prints cleanly (the frame is hidden when printing) and downloads as CSV.
import { Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useParams } from "react-router";
import { QueryState, Empty } from "../components/states";
import { showError } from "../components/forms";
import { fetchRecordCsv, useContributionRecord } from "../features/contribution-records/queries";
import { namedPeriods, type PeriodKind } from "../features/ledger/periods";
import { useMe } from "../features/users/queries";
import { label, minutes, periodLabel, relativeTime } from "../format";
import { useTranslation } from "../i18n/react";

export function ContributionRecordPage() {
  const { t } = useTranslation("profile");
  const { userId } = useParams();
  const { data: me } = useMe();
  const [period, setPeriod] = useState<PeriodKind>("fiscal_year");
  const id = userId ?? me?.id ?? "";
  const record = useContributionRecord(id, period);
  const download = async () => {
    try {
      const text = await fetchRecordCsv(id, period);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
      link.download = "contribution-record.csv";
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      showError(error);
    }
  };
  return (
    <Stack className="printable">
      <Group justify="space-between" className="no-print">
        <Title order={2}>{t("record.title")}</Title>
        <Group>
          <Select aria-label={t("record.period")} data={namedPeriods()} value={period} allowDeselect={false} onChange={(v) => v && setPeriod(v as PeriodKind)} w={200} />
          <Button variant="default" onClick={download}>
            {t("record.csv")}
          </Button>
          <Button onClick={() => window.print()}>{t("record.print")}</Button>
        </Group>
      </Group>
      <QueryState query={record} retry>
        {(r) => (
          <Stack data-testid="contribution-record">
            <div>
              <Title order={3}>{r.full_name}</Title>
              <Text c="dimmed">{periodLabel(r, me?.organization.fiscal_year_start_month ?? 1)}</Text>
            </div>
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              {[
                [t("record.given"), minutes(r.minutes_given)],
                [t("record.received"), minutes(r.minutes_received)],
                [t("record.sessions"), String(r.sessions_attended)],
                [t("record.adopted"), String(r.ideas_adopted)],
              ].map(([name, value]) => (
                <Card withBorder key={name} padding="sm">
                  <Text size="xs" c="dimmed">
                    {name}
                  </Text>
                  <Text fw={600}>{value}</Text>
                </Card>
              ))}
            </SimpleGrid>
            <Title order={4}>{t("record.ideas")}</Title>
            {r.ideas.length ? (
              <Table>
                <Table.Tbody>
                  {r.ideas.map((idea) => (
                    <Table.Tr key={idea.id}>
                      <Table.Td>{idea.body}</Table.Td>
                      <Table.Td>{idea.project_title}</Table.Td>
                      <Table.Td>{idea.verdict ? label(idea.verdict) : t("record.notSaid")}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : (
              <Empty>{t("record.noIdeas")}</Empty>
            )}
            <Title order={4}>{t("record.projects")}</Title>
            {r.projects_helped.length ? (
              <Table>
                <Table.Tbody>
                  {r.projects_helped.map((p) => (
                    <Table.Tr key={p.project_id}>
                      <Table.Td>{p.title}</Table.Td>
                      <Table.Td>{p.client_name ?? "—"}</Table.Td>
                      <Table.Td className="num">{minutes(p.minutes)}</Table.Td>
                      <Table.Td>{label(p.status)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ) : (
              <Empty>{t("record.noProjects")}</Empty>
            )}
            <Title order={4}>{t("record.takeaways")}</Title>
            {r.takeaways.length ? (
              <Stack gap={4}>
                {r.takeaways.map((takeaway) => (
                  <Text size="sm" key={takeaway.session_id + takeaway.created_at}>
                    {t("record.takeaway", { body: takeaway.body, session: takeaway.session_title, when: relativeTime(takeaway.created_at) })}
                  </Text>
                ))}
              </Stack>
            ) : (
              <Empty>{t("record.noTakeaways")}</Empty>
            )}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
