// "Ask to help" as a real request: a dialog with the project (chosen here, or given by the
// page it is opened from) and a message; the person is notified in the app and by mail.
import { Button, Group, Modal, Select, Stack, Textarea } from "@mantine/core";
import { useState } from "react";
import { checkLength, rule } from "../api/rules";
import { useAskToHelp } from "../features/notifications/queries";
import { useProjects } from "../features/projects/queries";
import { useTranslation } from "../i18n/react";
import { notifySaved, showError } from "./forms";

interface Props {
  person: { id: string; name: string };
  /** The project asked about; without one the dialog offers the caller's open projects. */
  projectId?: string;
  onClose: () => void;
}

function ProjectPicker({ value, onChange, error }: { value: string | null; onChange: (v: string | null) => void; error?: string }) {
  const { t } = useTranslation("common");
  const projects = useProjects({ status: "open", limit: 200 });
  return (
    <Select
      label={t("askToHelp.project")}
      placeholder={t("askToHelp.projectPlaceholder")}
      data={(projects.data?.items ?? []).map((p) => ({ value: p.id, label: p.title }))}
      value={value}
      onChange={onChange}
      searchable
      error={error}
      comboboxProps={{ withinPortal: true }}
      data-testid="ask-project"
    />
  );
}

export function AskToHelpDialog({ person, projectId, onClose }: Props) {
  const { t } = useTranslation("common");
  const [project, setProject] = useState<string | null>(projectId ?? null);
  const [message, setMessage] = useState("");
  const [errors, setErrors] = useState<{ project?: string; message?: string }>({});
  const ask = useAskToHelp();
  const submit = () => {
    const messageError = checkLength(message, rule("HelpRequestCreate", "message"), { required: false }) ?? undefined;
    const projectError = project ? undefined : t("askToHelp.pickProject");
    setErrors({ project: projectError, message: messageError });
    if (projectError || messageError || !project) return;
    ask.mutate(
      { user_id: person.id, project_id: project, message: message.trim() },
      {
        onSuccess: () => {
          notifySaved(t("askToHelp.sent", { name: person.name }));
          onClose();
        },
        onError: (error) => showError(error, t("askToHelp.failed")),
      },
    );
  };
  return (
    <Modal opened onClose={onClose} title={t("askToHelp.title", { name: person.name })}>
      <Stack>
        {!projectId && <ProjectPicker value={project} onChange={setProject} error={errors.project} />}
        <Textarea
          label={t("askToHelp.message")}
          placeholder={t("askToHelp.messagePlaceholder")}
          value={message}
          onChange={(e) => setMessage(e.currentTarget.value)}
          autosize
          minRows={3}
          error={errors.message}
          data-testid="ask-message"
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("actions.cancel")}
          </Button>
          <Button onClick={submit} loading={ask.isPending} data-testid="ask-send">
            {t("askToHelp.send")}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
