// Top-bar search over everything the reader may find (clients, projects, ideas, outcomes,
// takeaways), grouped by type; Enter or a click opens the match.
import { Autocomplete } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { useTranslation } from "../i18n/react";
import { useNavigate } from "react-router";
import { searchTarget, useSearch, type SearchHit } from "../features/search/queries";
import { label } from "../format";
import { SearchType } from "../api/enums";

/** How one hit reads in the list: its title, and for what lives in a project, where. */
export function hitLabel(hit: SearchHit, where: (project: string) => string): string {
  if (hit.type === "clients" || hit.type === "projects" || !hit.project_title) return hit.title;
  return `${hit.title} — ${where(hit.client_name ? `${hit.project_title} · ${hit.client_name}` : hit.project_title)}`;
}

export function GlobalSearch() {
  const [value, setValue] = useState("");
  const [q] = useDebouncedValue(value.trim(), 250);
  const navigate = useNavigate();
  const { t } = useTranslation("widgets");
  const { data } = useSearch(q);
  const hits = data ?? [];
  const labelled = hits.map((hit) => ({ hit, label: hitLabel(hit, (project) => t("search.in", { project })) }));
  const groups = SearchType.map((type) => ({
    group: label(type),
    // Autocomplete options are strings: two hits with one label would be one option.
    items: [...new Set(labelled.filter((l) => l.hit.type === type).map((l) => l.label))],
  })).filter((g) => g.items.length);
  return (
    <Autocomplete
      aria-label={t("search.placeholder")}
      placeholder={t("search.placeholder")}
      value={value}
      onChange={setValue}
      data={groups}
      filter={({ options: opts }) => opts}
      onOptionSubmit={(labelValue) => {
        const match = labelled.find((l) => l.label === labelValue);
        const target = match ? searchTarget(match.hit) : null;
        if (!target) return; // a shared learning of a closed project: read here, not opened
        setValue("");
        navigate(target);
      }}
      size="xs"
      w={{ base: "100%", sm: 320 }}
    />
  );
}
