// A team's chat channels (Slack, Microsoft Teams, Chatwork): the list an admin or manager looks
// after (every page), connecting one, switching it on/off (If-Match from a fresh read), a test
// message, disconnecting. Every change, a test message included (it records the room's answer
// and may switch the channel off), refreshes the one list.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { fetchAllPages, PAGE_LIMIT } from "../../api/pages";
import { unwrap } from "../../api/problem";
import type { Schemas } from "../../api/types";

export type ChatChannel = Schemas["ChatChannelRead"];

export const chatChannelKeys = {
  all: ["chat-channels"] as const,
};

export function useChatChannels({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: chatChannelKeys.all,
    enabled,
    queryFn: () => fetchAllPages((cursor) => api.GET("/api/v1/chat-channels", { params: { query: { limit: PAGE_LIMIT, cursor } } })),
  });
}

function useChannelMutation<V, R>(mutationFn: (variables: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn, onSuccess: () => queryClient.invalidateQueries({ queryKey: chatChannelKeys.all }) });
}

export function useCreateChatChannel() {
  return useChannelMutation(async (body: Schemas["ChatChannelCreate"]) => unwrap(await api.POST("/api/v1/chat-channels", { body })));
}

/** Switches a channel on or off, sending the ETag of a fresh read as If-Match. */
export function useToggleChatChannel() {
  return useChannelMutation(async (channel: ChatChannel) => {
    const path = { channel_id: channel.id };
    const current = await api.GET("/api/v1/chat-channels/{channel_id}", { params: { path } });
    unwrap(current);
    return unwrap(
      await api.PATCH("/api/v1/chat-channels/{channel_id}", {
        params: { path, header: { "If-Match": current.response.headers.get("ETag") ?? undefined } },
        body: { enabled: !channel.enabled },
      }),
    );
  });
}

export function useTestChatChannel() {
  return useChannelMutation(async (id: string) =>
    unwrap(await api.POST("/api/v1/chat-channels/{channel_id}/test", { params: { path: { channel_id: id } } })),
  );
}

export function useDeleteChatChannel() {
  return useChannelMutation(async (id: string) =>
    unwrap(await api.DELETE("/api/v1/chat-channels/{channel_id}", { params: { path: { channel_id: id } } })),
  );
}
