// A person picker over the organization's active users.
import { Select, type SelectProps } from "@mantine/core";
import { useUsers } from "../features/users/queries";

/** A searchable picker of the organization's active people (only `among`, when given: an
 * action item's assignee must be an active member of its project). */
export function UserSelect({ among, ...props }: Omit<SelectProps, "data"> & { among?: string[] }) {
  const { data } = useUsers();
  const options = (data ?? [])
    .filter((u) => u.is_active && (!among || among.includes(u.id)))
    .map((u) => ({ value: u.id, label: u.full_name }));
  return <Select searchable data={options} {...props} />;
}
