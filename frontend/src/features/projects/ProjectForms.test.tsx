import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { CloseProjectModal } from "./ProjectForms";
import { renderWithProviders, stubApi } from "../../test/render";
import { setTokens } from "../../api/tokens";
import type { Project } from "./queries";

const project = { id: "p1", title: "Helix renewal", status: "open" } as Project;

async function choose(label: string, option: string) {
  fireEvent.click(await screen.findByRole("combobox", { name: label }));
  fireEvent.click(await screen.findByRole("option", { name: option, hidden: true }));
}

describe("CloseProjectModal", () => {
  it("asks why a lost deal was lost, and to whom, and sends it", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([["POST", /\/projects\/p1\/close$/, () => ({ ...project, status: "lost" })]]);
    renderWithProviders(<CloseProjectModal project={project} opened onClose={() => {}} />);
    expect(screen.queryByRole("combobox", { name: "Why was it lost?" })).toBeNull(); // won: no reason
    await choose("Result", "Lost");
    fireEvent.click(screen.getByRole("button", { name: "Close as lost" }));
    expect(await screen.findByText("Say why the deal was lost")).toBeTruthy();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    await choose("Why was it lost?", "Competitor");
    fireEvent.change(screen.getByRole("textbox", { name: "Competitor" }), { target: { value: " Globex " } });
    fireEvent.click(screen.getByRole("button", { name: "Close as lost" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      result: "lost",
      note: "",
      lost_reason: "competitor",
      competitor: "Globex",
    });
  });

  it("sends neither a reason nor a competitor for a won deal", async () => {
    setTokens({ access_token: "a", refresh_token: "r" });
    const calls = stubApi([["POST", /\/projects\/p1\/close$/, () => ({ ...project, status: "won" })]]);
    renderWithProviders(<CloseProjectModal project={project} opened onClose={() => {}} />);
    fireEvent.click(await screen.findByRole("button", { name: "Close as won" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ result: "won", note: "" });
  });
});
