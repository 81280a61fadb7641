// Notifications: the inbox (newest first, with the unread count the bell shows), marking read,
// one's preferences per kind and channel, help requests (ask, accept, decline), and the live
// stream the app keeps open while signed in. One rule for what the stream changes: every
// notification query is read again (a new one, or one read in another tab).
import { useEffect } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import { streamEvents } from "../../api/sse";
import type { Schemas } from "../../api/types";
import { dashboardKeys } from "../dashboard/queries";
import { invitationKeys } from "../invitations/queries";
import { projectKeys } from "../projects/queries";

export type Notification = Schemas["NotificationRead"];
export type NotificationPage = Schemas["NotificationPage"];
export type Preferences = Schemas["NotificationPreferencesRead"];

/** How many the bell's inbox shows (newest first); the full page shows more on request. */
export const INBOX_LIMIT = 20;

export const notificationKeys = {
  all: ["notifications"] as const,
  inbox: (limit: number) => ["notifications", "inbox", limit] as const,
  preferences: ["notifications", "preferences"] as const,
};

export function useNotifications(limit: number = INBOX_LIMIT) {
  return useQuery({
    queryKey: notificationKeys.inbox(limit),
    queryFn: async () => unwrap(await api.GET("/api/v1/notifications", { params: { query: { limit } } })),
  });
}

/** Reading one, or all: the inbox and the bell's count change. */
export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}

export function useMarkAllRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/v1/notifications/read-all")),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}

export function usePreferences() {
  return useQuery({
    queryKey: notificationKeys.preferences,
    queryFn: async () => unwrap(await api.GET("/api/v1/users/me/notification-preferences")),
  });
}

export function useUpdatePreferences() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["NotificationPreferencesUpdate"]) =>
      unwrap(await api.PATCH("/api/v1/users/me/notification-preferences", { body })),
    onSuccess: (saved) => queryClient.setQueryData(notificationKeys.preferences, saved),
  });
}

/** "Ask to help": the request leaves; the asker's own screens do not change until it is answered. */
export function useAskToHelp() {
  return useMutation({
    mutationFn: async (body: Schemas["HelpRequestCreate"]) =>
      unwrap(
        await api.POST("/api/v1/help-requests", {
          params: { header: { "Idempotency-Key": newIdempotencyKey() } },
          body,
        }),
      ),
  });
}

export type HelpAnswer = "accept" | "decline";

/** The person asked answers: the inbox shows the answer; accepting puts them on the project. */
export function useAnswerHelpRequest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, answer }: { id: string; answer: HelpAnswer }) =>
      unwrap(
        answer === "accept"
          ? await api.POST("/api/v1/help-requests/{help_request_id}/accept", { params: { path: { help_request_id: id } } })
          : await api.POST("/api/v1/help-requests/{help_request_id}/decline", { params: { path: { help_request_id: id } } }),
      ),
    onSuccess: (request) => {
      for (const key of [notificationKeys.all, invitationKeys.all, dashboardKeys.all, projectKeys.lists, projectKeys.one(request.project_id)])
        queryClient.invalidateQueries({ queryKey: key });
    },
  });
}

/** Keeps the person's notification stream open while signed in; any event reads the inbox
 * again (so does every reconnect: what came meanwhile is replayed, or read). */
export function useNotificationStream(enabled: boolean) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let opened = false;
    streamEvents("/api/v1/notifications/events", {
      signal: controller.signal,
      onStatus: (status) => {
        if (status === "open" && opened) queryClient.invalidateQueries({ queryKey: notificationKeys.all });
        if (status === "open") opened = true;
      },
      onEvent: (event) => {
        if (event.event.startsWith("notification.")) queryClient.invalidateQueries({ queryKey: notificationKeys.all });
      },
    });
    return () => controller.abort();
  }, [enabled, queryClient]);
}
