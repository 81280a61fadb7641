import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { MyDayPage } from "../../routes/MyDay";
import { renderWithProviders, stubApi } from "../../test/render";
import { ledgerRow, page } from "../../test/fixtures";
import { setTokens } from "../../api/tokens";
import { projectKeys } from "../projects/queries";
import { sessionKeys } from "../sessions/queries";
import { actionItemKeys } from "./queries";

const item = { id: "a1", project_id: "p7", project_title: "Baltic freight", title: "Send the pilot offer", assignee_id: "me", due_date: null, status: "open" };

describe("marking an action item done from My day", () => {
  it("refreshes the project page's action items and progress, and the session's outcome", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([
      [
        "GET",
        /\/dashboard$/,
        () => ({ role: "rep", since: "2026-10-01", until: "2026-11-27", my_balance: ledgerRow("me", "Rita Rep", 0, 0), my_projects: [], helping_on: [], next_sessions: [], my_action_items: [item], team: null }),
      ],
      ["GET", /\/invitations/, () => page([])],
      ["PATCH", /\/action-items\/a1$/, () => ({ ...item, status: "done", session_id: "s3", contribution_id: null, completed_at: null, created_at: "", updated_at: "" })],
    ]);
    const { queryClient } = renderWithProviders(<MyDayPage />);
    // What the project page (and the outcome) had loaded before.
    const cached = [actionItemKeys.ofProject("p7"), projectKeys.progress("p7"), sessionKeys.outcome("s3")];
    for (const key of cached) queryClient.setQueryData(key, { stale: "before" });
    const elsewhere = actionItemKeys.ofProject("p8");
    queryClient.setQueryData(elsewhere, { stale: "before" });

    fireEvent.click(await screen.findByRole("checkbox", { name: 'Mark "Send the pilot offer" done' }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ status: "done" });
    await waitFor(() => expect(cached.map((key) => queryClient.getQueryState(key)?.isInvalidated)).toEqual([true, true, true]));
    expect(queryClient.getQueryState(elsewhere)?.isInvalidated).toBe(false);
  });
});
