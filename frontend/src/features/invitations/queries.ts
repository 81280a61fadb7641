// Invitations to help: the signed-in person's pending seats (every page) and answering one
// (accept or decline) from My day or the project page, with one rule for what the answer
// changes: the invitations, My day, the project (members, budgets) and its lists.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";
import { dashboardKeys } from "../dashboard/queries";
import { projectKeys } from "../projects/queries";
import { useMe } from "../users/queries";

export type Invitation = Schemas["InvitationRead"];
/** The invitee answers yes or no (leaving later is another action). */
export type Answer = Exclude<NonNullable<Schemas["MemberUpdate"]["state"]>, "left">;

export const invitationKeys = {
  all: ["invitations"] as const,
};

export function useInvitations() {
  return useQuery({
    queryKey: invitationKeys.all,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/invitations", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
  });
}

/** The signed-in person answers their invitation to `projectId`. */
export function useAnswerInvitation() {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  return useMutation({
    mutationFn: async ({ projectId, state }: { projectId: string; state: Answer }) =>
      unwrap(
        await api.PATCH("/api/v1/projects/{project_id}/members/{user_id}", {
          params: { path: { project_id: projectId, user_id: me?.id ?? "" } },
          body: { state },
        }),
      ),
    onSuccess: (_member, { projectId }) => {
      for (const key of [invitationKeys.all, dashboardKeys.all, projectKeys.one(projectId), projectKeys.lists])
        queryClient.invalidateQueries({ queryKey: key });
    },
  });
}
