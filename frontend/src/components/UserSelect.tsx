// A person picker over the organization's active users.
import { Select, type SelectProps } from "@mantine/core";
import { useUsers } from "../api/hooks";

/** A searchable picker of the organization's active people. */
export function UserSelect(props: Omit<SelectProps, "data">) {
  const { data } = useUsers();
  const options = (data ?? []).filter((u) => u.is_active).map((u) => ({ value: u.id, label: u.full_name }));
  return <Select searchable data={options} {...props} />;
}
