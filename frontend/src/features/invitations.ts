// Invitations to help: the signed-in person's pending seats, and answering one (accept or
// decline), with what the answer changes invalidated (My day, the project, its members).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys } from "../api/keys";
import { unwrap } from "../api/problem";
import type { Schemas } from "../api/hooks";

export type Invitation = Schemas["InvitationRead"];

export function useInvitations() {
  return useQuery({
    queryKey: keys.invitations,
    queryFn: async () => unwrap(await api.GET("/api/v1/invitations", { params: { query: { limit: 50 } } })).items,
  });
}

export function useAnswerInvitation(userId: string | undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ invitation, state }: { invitation: Invitation; state: "active" | "declined" }) =>
      unwrap(
        await api.PATCH("/api/v1/projects/{project_id}/members/{user_id}", {
          params: { path: { project_id: invitation.project_id, user_id: userId ?? "" } },
          body: { state },
        }),
      ),
    onSuccess: (_member, { invitation }) => {
      for (const key of [keys.invitations, keys.dashboard, keys.projects.members(invitation.project_id), keys.projects.progress(invitation.project_id)])
        queryClient.invalidateQueries({ queryKey: key });
    },
  });
}
