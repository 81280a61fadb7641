// Where a session belongs, as links: its project, and its client when it has one.
import { Anchor } from "@mantine/core";
import type { ReactNode } from "react";
import { Trans, useTranslation } from "../../i18n/react";
import { Link } from "react-router";
import type { Session } from "./queries";

export function SessionContext({ session }: { session: Pick<Session, "project_id" | "project_title" | "client_id" | "client_name"> }) {
  const { t } = useTranslation("sessions");
  const projectPath = `/projects/${session.project_id}`;
  const clientPath = `/clients/${session.client_id}`;
  const link = (to: string, children?: ReactNode) => (
    <Anchor component={Link} to={to} size="sm">
      {children}
    </Anchor>
  );
  if (!session.client_id) return link(projectPath, session.project_title);
  // The project and its client in the language's order ("Deal for Client", "顧客 の 案件").
  return (
    <Trans
      t={t}
      i18nKey="context.projectForClient"
      values={{ project: session.project_title, client: session.client_name }}
      components={{ project: link(projectPath), client: link(clientPath) }}
    />
  );
}
