// The reciprocity ledger: who gives, who takes, is it fair? Managers see everyone; rows by
// balance, givers first; zero is neutral. A period picker: the current fiscal quarter (the
// default), fiscal year, calendar quarter, month, or days of one's own.
import { Anchor, Button, Group, Select, Stack, Table, Text, TextInput, Title, Card } from "@mantine/core";
import { BarChart } from "@mantine/charts";
import { useState } from "react";
import { Link } from "react-router";
import type { Schemas } from "../api/types";
import { AskToHelpDialog } from "../components/AskToHelp";
import { Empty, QueryState } from "../components/states";
import { periodChoices, periodQuery, type PeriodChoice } from "../features/ledger/periods";
import { useLedger } from "../features/ledger/queries";
import { useTeams } from "../features/teams/queries";
import { useMe } from "../features/users/queries";
import { balanceColour, periodLabel, signedMinutes } from "../format";
import { useTranslation } from "../i18n/react";

/** Givers first, takers last; ties by name, so the order is stable. */
export function byBalance(rows: Schemas["LedgerRow"][]): Schemas["LedgerRow"][] {
  return [...rows].sort((a, b) => b.balance_minutes - a.balance_minutes || a.full_name.localeCompare(b.full_name));
}

export function GiveTakeChart({ rows, height = 260 }: { rows: Schemas["LedgerRow"][]; height?: number }) {
  const { t } = useTranslation("ledger");
  const data = rows.map((r) => ({ name: r.full_name, given: r.minutes_given, received: r.minutes_received }));
  return (
    <div data-testid="give-take-chart" role="img" aria-label={t("chartAria")}>
      <BarChart
        h={height}
        data={data}
        dataKey="name"
        series={[
          { name: "given", label: t("given"), color: "teal.6" },
          { name: "received", label: t("received"), color: "orange.6" },
        ]}
        withLegend
        tickLine="y"
      />
    </div>
  );
}

export function LedgerPage() {
  const { t } = useTranslation("ledger");
  const { data: me } = useMe();
  const [teamId, setTeamId] = useState<string | null>(null);
  const [choice, setChoice] = useState<PeriodChoice>("fiscal_quarter");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const isManager = me?.role === "manager" || me?.role === "admin";
  const teams = useTeams({ enabled: isManager });
  const ledger = useLedger({ team_id: teamId ?? undefined, ...periodQuery(choice, since, until) });
  const fiscalStartMonth = me?.organization.fiscal_year_start_month ?? 1;
  // Asking someone who only takes to give: a request tied to a project (DESIGN 7.6).
  const [asking, setAsking] = useState<{ id: string; name: string } | null>(null);

  return (
    <Stack>
      <Title order={2}>{t("title")}</Title>
      <Group align="flex-end" wrap="wrap">
        {isManager && (
          <Select
            label={t("team")}
            placeholder={t("everyone")}
            clearable
            data={(teams.data ?? []).map((team) => ({ value: team.id, label: team.name }))}
            value={teamId}
            onChange={setTeamId}
            w={200}
          />
        )}
        <Select
          label={t("period")}
          data={periodChoices()}
          value={choice}
          allowDeselect={false}
          onChange={(value) => value && setChoice(value as PeriodChoice)}
          w={220}
        />
        {choice === "custom" && (
          <>
            <TextInput label={t("since")} type="date" value={since} onChange={(e) => setSince(e.currentTarget.value)} />
            <TextInput label={t("until")} type="date" value={until} onChange={(e) => setUntil(e.currentTarget.value)} />
          </>
        )}
      </Group>
      <QueryState query={ledger} retry>
        {(page) => (
          <>
            <Title order={3} data-testid="period-label">
              {periodLabel(page, fiscalStartMonth)}
            </Title>
            {!page.items.length ? (
              <Empty>{t("none")}</Empty>
            ) : (
              <>
                <Card withBorder>
                  <GiveTakeChart rows={byBalance(page.items)} />
                </Card>
                <Table.ScrollContainer minWidth={720} maxHeight="70vh" type="native">
                  <Table stickyHeader striped data-testid="ledger-table">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>{t("person")}</Table.Th>
                        <Table.Th className="num">{t("givenCol")}</Table.Th>
                        <Table.Th className="num">{t("receivedCol")}</Table.Th>
                        <Table.Th className="num">{t("balance")}</Table.Th>
                        <Table.Th className="num">{t("sessions")}</Table.Th>
                        <Table.Th className="num">{t("contributions")}</Table.Th>
                        <Table.Th className="num">{t("adopted")}</Table.Th>
                        {isManager && <Table.Th />}
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {byBalance(page.items).map((r) => (
                        <Table.Tr key={r.user_id} data-testid={`ledger-row-${r.user_id}`}>
                          <Table.Td>
                            {isManager || r.user_id === me?.id ? (
                              <Anchor component={Link} to={`/people/${r.user_id}/record`} size="sm">
                                {r.full_name}
                              </Anchor>
                            ) : (
                              r.full_name
                            )}
                          </Table.Td>
                          <Table.Td className="num" data-testid="given">
                            {r.minutes_given}
                          </Table.Td>
                          <Table.Td className="num">{r.minutes_received}</Table.Td>
                          <Table.Td className="num">
                            <Text span c={balanceColour(r.balance_minutes)} size="sm" fw={500} data-testid="balance">
                              {signedMinutes(r.balance_minutes)}
                            </Text>
                          </Table.Td>
                          <Table.Td className="num">{r.sessions_attended}</Table.Td>
                          <Table.Td className="num">{r.contributions_count}</Table.Td>
                          <Table.Td className="num">{r.ideas_adopted}</Table.Td>
                          {isManager && (
                            <Table.Td>
                              {r.balance_minutes < 0 && r.user_id !== me?.id && (
                                <Button
                                  size="compact-xs"
                                  variant="light"
                                  onClick={() => setAsking({ id: r.user_id, name: r.full_name })}
                                  data-testid="ask-to-help"
                                >
                                  {t("askToHelp")}
                                </Button>
                              )}
                            </Table.Td>
                          )}
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              </>
            )}
          </>
        )}
      </QueryState>
      {asking && <AskToHelpDialog person={asking} onClose={() => setAsking(null)} />}
    </Stack>
  );
}
