// Accept / Decline an invitation to help, on My day's card and on the project page.
import { Button, Group } from "@mantine/core";
import { useTranslation } from "../../i18n/react";
import { notifySaved, showError } from "../../components/forms";
import { useMe } from "../users/queries";
import { useAnswerInvitation, type Answer } from "./queries";

export function AnswerButtons({ projectId, projectTitle }: { projectId: string; projectTitle: string }) {
  const { data: me } = useMe();
  const { t } = useTranslation();
  const answer = useAnswerInvitation();
  const busy = answer.isPending;
  const send = (state: Answer) =>
    answer.mutate(
      { projectId, state },
      { onSuccess: () => state === "active" && notifySaved(t("invitations.youHelp", { title: projectTitle })), onError: (e) => showError(e) },
    );
  const button = (state: Answer, text: string) => (
    <Button
      size="xs"
      variant={state === "active" ? "filled" : "default"}
      onClick={() => send(state)}
      loading={busy && answer.variables?.state === state}
      disabled={busy || !me}
      aria-label={t("invitations.answerAria", { answer: text, title: projectTitle })}
    >
      {text}
    </Button>
  );
  return (
    <Group gap="xs">
      {button("active", t("invitations.accept"))}
      {button("declined", t("invitations.decline"))}
    </Group>
  );
}
