import { CheckboxField } from '../../components/form-field.tsx';
import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { useRoles } from './admin-api.ts';

/** One checkbox per role (loaded from the API); roles not in the list any more stay shown. */
export function RolesPicker({
  value,
  onChange,
  error,
}: {
  value: readonly string[];
  onChange: (roles: string[]) => void;
  error?: string;
}) {
  const roles = useRoles();
  const names = [...new Set([...(roles.data ?? []).map((role) => role.name), ...value])].sort();
  const description = (name: string) => roles.data?.find((role) => role.name === name)?.description;

  function toggle(name: string, checked: boolean) {
    onChange(checked ? [...value, name].sort() : value.filter((role) => role !== name));
  }

  return (
    <fieldset className="fieldset">
      <legend>Roles</legend>
      {error && <p className="field-error">{error}</p>}
      {roles.isPending ? (
        <LoadingState label="Loading roles…" />
      ) : roles.isError ? (
        <ErrorState error={roles.error} onRetry={() => void roles.refetch()} />
      ) : (
        <div className="admin-role-choices">
          {names.map((name) => (
            <CheckboxField
              key={name}
              label={name}
              checked={value.includes(name)}
              onChange={(checked) => toggle(name, checked)}
              hint={description(name) || undefined}
            />
          ))}
        </div>
      )}
    </fieldset>
  );
}
