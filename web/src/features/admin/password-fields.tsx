import { FormField } from '../../components/form-field.tsx';

export interface PasswordPair {
  password: string;
  confirmation: string;
}

export const emptyPasswordPair: PasswordPair = { password: '', confirmation: '' };

/** The API's rule (8 characters at least) checked before sending, and the two entries compared. */
export function passwordPairErrors(pair: PasswordPair): { password?: string; confirmation?: string } {
  if (pair.password.length < 8) return { password: 'At least 8 characters' };
  if (pair.password !== pair.confirmation) return { confirmation: 'The two passwords differ' };
  return {};
}

/** A write-only password with its confirmation: never filled from the server, never shown. */
export function PasswordFields({
  label,
  value,
  onChange,
  errors,
  autoFocus = false,
}: {
  label: string;
  value: PasswordPair;
  onChange: (value: PasswordPair) => void;
  errors: { password?: string; confirmation?: string };
  autoFocus?: boolean;
}) {
  return (
    <>
      <FormField label={label} required error={errors.password} hint="At least 8 characters.">
        {(control) => (
          <input
            {...control}
            type="password"
            autoComplete="new-password"
            maxLength={1000}
            autoFocus={autoFocus}
            value={value.password}
            onChange={(event) => onChange({ ...value, password: event.target.value })}
          />
        )}
      </FormField>
      <FormField label={`Confirm ${label.toLowerCase()}`} required error={errors.confirmation}>
        {(control) => (
          <input
            {...control}
            type="password"
            autoComplete="new-password"
            maxLength={1000}
            value={value.confirmation}
            onChange={(event) => onChange({ ...value, confirmation: event.target.value })}
          />
        )}
      </FormField>
    </>
  );
}
