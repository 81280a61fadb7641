// Accept / Decline an invitation to help, on My day's card and on the project page.
import { Button, Group } from "@mantine/core";
import { notifySaved, showError } from "../../components/forms";
import { useMe } from "../users/queries";
import { useAnswerInvitation, type Answer } from "./queries";

export function AnswerButtons({ projectId, projectTitle }: { projectId: string; projectTitle: string }) {
  const { data: me } = useMe();
  const answer = useAnswerInvitation();
  const busy = answer.isPending;
  const send = (state: Answer) =>
    answer.mutate(
      { projectId, state },
      { onSuccess: () => state === "active" && notifySaved(`You help on ${projectTitle}`), onError: (e) => showError(e) },
    );
  const button = (state: Answer, text: string) => (
    <Button
      size="xs"
      variant={state === "active" ? "filled" : "default"}
      onClick={() => send(state)}
      loading={busy && answer.variables?.state === state}
      disabled={busy || !me}
      aria-label={`${text} ${projectTitle}`}
    >
      {text}
    </Button>
  );
  return (
    <Group gap="xs">
      {button("active", "Accept")}
      {button("declined", "Decline")}
    </Group>
  );
}
