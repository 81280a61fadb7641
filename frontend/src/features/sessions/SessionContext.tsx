// Where a session belongs, as links: its project, and its client when it has one.
import { Anchor } from "@mantine/core";
import { Link } from "react-router";
import type { Session } from "./queries";

export function SessionContext({ session }: { session: Pick<Session, "project_id" | "project_title" | "client_id" | "client_name"> }) {
  return (
    <>
      <Anchor component={Link} to={`/projects/${session.project_id}`} size="sm">
        {session.project_title}
      </Anchor>
      {session.client_id && (
        <>
          {" for "}
          <Anchor component={Link} to={`/clients/${session.client_id}`} size="sm">
            {session.client_name}
          </Anchor>
        </>
      )}
    </>
  );
}
