// The Mastermind room's phase strip (UX: Brief · Write · Reveal · Vote · Discuss · Decide):
// where the session is, the phase's own countdown, what the phase asks of everyone, and the
// facilitator's "next phase" control. What each person may see is the API's to decide; this
// only says it in words.
import { Badge, Button, Group, Menu, NumberInput, Paper, Text } from "@mantine/core";
import { useState } from "react";
import { SessionPhase } from "../../api/enums";
import type { Schemas } from "../../api/types";
import { showError } from "../../components/forms";
import { label } from "../../format";
import { useTranslation } from "../../i18n/react";
import { useChangePhase, type Contribution } from "../contributions/queries";
import type { Session } from "./queries";

type Phase = Schemas["SessionPhase"];

/** A sensible time box per phase, in minutes (the facilitator can change it). */
export const PHASE_MINUTES: Record<Phase, number> = { brief: 3, write: 8, reveal: 5, vote: 5, discuss: 15, decide: 5 };

/** The phase a live mastermind is in: before the first move it is the brief. */
export function currentPhase(session: Pick<Session, "format" | "status" | "phase">): Phase | null {
  if (session.format !== "mastermind" || session.status !== "live") return null;
  return session.phase ?? "brief";
}

/** The phases after `phase`, the next first (a phase may be skipped, never gone back to). */
export function laterPhases(phase: Phase): Phase[] {
  return SessionPhase.slice(SessionPhase.indexOf(phase) + 1);
}

/** Dots this person has left in the session: the budget less the cards they voted for. */
export function dotsLeft(session: Pick<Session, "vote_budget">, cards: Contribution[]): number | null {
  if (session.vote_budget == null) return null;
  return Math.max(0, session.vote_budget - cards.filter((c) => c.voted_by_me).length);
}

/** "m:ss" left in the phase's time box, and whether it is over. */
export function phaseClock(endsAt: string | null, now: number): { text: string; over: boolean; left: number } | null {
  if (!endsAt) return null;
  const left = Math.round((new Date(endsAt).getTime() - now) / 1000);
  const abs = Math.abs(left);
  return { text: `${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`, over: left < 0, left };
}

export function PhaseStrip({ session, cards, now, canSteer }: { session: Session; cards: Contribution[]; now: number; canSteer: boolean }) {
  const { t } = useTranslation("sessions");
  const change = useChangePhase(session.id);
  const phase = currentPhase(session);
  const next = phase ? laterPhases(phase) : [];
  const [minutes, setMinutes] = useState<number | string>("");
  if (session.format !== "mastermind") return null;
  const at = phase ? SessionPhase.indexOf(phase) : -1;
  const clock = phase && session.phase ? phaseClock(session.phase_ends_at, now) : null;
  const dots = dotsLeft(session, cards);
  const move = (to: Phase) =>
    change.mutate(
      { phase: to, minutes: Number(minutes) || PHASE_MINUTES[to] },
      { onSuccess: () => setMinutes(""), onError: (e) => showError(e) },
    );
  return (
    <Paper withBorder p="xs" data-testid="phase-strip" data-phase={phase ?? ""}>
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Group gap={4} wrap="wrap" role="list" aria-label={t("room.phase.strip")}>
          {SessionPhase.map((p, i) => (
            <Badge
              key={p}
              role="listitem"
              size="lg"
              radius="sm"
              variant={i === at ? "filled" : i < at ? "light" : "outline"}
              color={i === at ? "indigo" : "gray"}
              aria-current={i === at ? "step" : undefined}
              data-testid={`phase-${p}`} // i18n-ignore
            >
              {label(p)}
            </Badge>
          ))}
          {clock && (
            <Badge
              size="lg"
              variant="filled"
              color={clock.over ? "red" : clock.left <= 60 ? "yellow" : "green"}
              role="timer"
              aria-live="off"
              data-testid="phase-countdown"
            >
              {clock.over ? t("room.countdown.over", { time: clock.text }) : t("room.countdown.left", { time: clock.text })}
            </Badge>
          )}
        </Group>
        {canSteer && next.length > 0 && (
          <Group gap={4} wrap="nowrap">
            <NumberInput
              aria-label={t("room.phase.minutes")}
              placeholder={String(PHASE_MINUTES[next[0]])}
              value={minutes}
              onChange={setMinutes}
              min={1}
              max={480}
              w={72}
              size="xs"
              suffix={t("room.phase.minutesSuffix")}
            />
            <Button size="xs" onClick={() => move(next[0])} loading={change.isPending} data-testid="next-phase">
              {t("room.phase.next", { phase: label(next[0]) })}
            </Button>
            {next.length > 1 && (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <Button size="xs" variant="subtle" aria-label={t("room.phase.skip")}>
                    ⋯
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  {next.slice(1).map((p) => (
                    <Menu.Item key={p} onClick={() => move(p)}>
                      {t("room.phase.skipTo", { phase: label(p) })}
                    </Menu.Item>
                  ))}
                </Menu.Dropdown>
              </Menu>
            )}
          </Group>
        )}
      </Group>
      {phase && (
        <Text size="sm" mt={6} data-testid="phase-hint">
          {t(`room.phase.hint.${phase}`)}
          {phase === "vote" && dots !== null && (
            <>
              {" "}
              <Badge variant="light" color={dots ? "indigo" : "gray"} data-testid="dots-left">
                {t("room.phase.dotsLeft", { count: dots })}
              </Badge>
            </>
          )}
        </Text>
      )}
      {session.status === "scheduled" && (
        <Text size="sm" mt={6} c="dimmed">
          {t("room.phase.notStarted")}
        </Text>
      )}
    </Paper>
  );
}
