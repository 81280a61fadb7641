// The signed-in person's dashboard (My day, the balance badge, the Team screen): one query
// that many mutations invalidate, since it summarizes projects, sessions, actions and minutes.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import { unwrap } from "../../api/problem";

export const dashboardKeys = {
  all: ["dashboard"] as const,
};

export function useDashboard() {
  return useQuery({
    queryKey: dashboardKeys.all,
    queryFn: async () => unwrap(await api.GET("/api/v1/dashboard")),
  });
}
