// Top-bar search over clients and projects by name; Enter or a click opens the match.
import { Autocomplete } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../api/client";
import { unwrap } from "../api/problem";

export function GlobalSearch() {
  const [value, setValue] = useState("");
  const [q] = useDebouncedValue(value.trim(), 250);
  const navigate = useNavigate();
  const { data } = useQuery({
    queryKey: ["search", q],
    enabled: q.length >= 2,
    queryFn: async () => {
      const [clients, projects] = await Promise.all([
        api.GET("/api/v1/clients", { params: { query: { q, limit: 5 } } }).then(unwrap),
        api.GET("/api/v1/projects", { params: { query: { q, limit: 5 } } }).then(unwrap),
      ]);
      return [
        ...clients.items.map((c) => ({ value: `client:${c.id}`, label: `Client · ${c.name}` })),
        ...projects.items.map((p) => ({ value: `project:${p.id}`, label: `Project · ${p.title}` })),
      ];
    },
  });
  const options = data ?? [];
  return (
    <Autocomplete
      aria-label="Search clients and projects"
      placeholder="Search clients and projects"
      value={value}
      onChange={setValue}
      data={options.map((o) => o.label)}
      filter={({ options: opts }) => opts}
      onOptionSubmit={(labelValue) => {
        const match = options.find((o) => o.label === labelValue);
        if (!match) return;
        const [kind, id] = match.value.split(":");
        setValue("");
        navigate(kind === "client" ? `/clients/${id}` : `/projects/${id}`);
      }}
      size="xs"
      w={{ base: "100%", sm: 280 }}
    />
  );
}
