// Top-bar search over clients and projects by name; Enter or a click opens the match.
import { Autocomplete } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { useTranslation } from "../i18n/react";
import { useNavigate } from "react-router";
import { useSearch } from "../features/search/queries";

export function GlobalSearch() {
  const [value, setValue] = useState("");
  const [q] = useDebouncedValue(value.trim(), 250);
  const navigate = useNavigate();
  const { t } = useTranslation("widgets");
  const { data } = useSearch(q);
  const options = data ?? [];
  return (
    <Autocomplete
      aria-label={t("search.placeholder")}
      placeholder={t("search.placeholder")}
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
