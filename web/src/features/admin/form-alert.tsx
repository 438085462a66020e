import type { FormErrors } from '../connections/form-errors.ts';

/** The summary at the top of a form: the API's general errors, or a pointer to the marked fields. */
export function FormAlert({ errors }: { errors: FormErrors }) {
  const hasFieldErrors = Object.keys(errors.fields).length > 0;
  if (errors.general.length === 0 && !hasFieldErrors) return null;
  return (
    <div className="alert alert-error" role="alert">
      {errors.general.length > 0 ? (
        errors.general.map((message) => <p key={message}>{message}</p>)
      ) : (
        <p>Please correct the marked fields.</p>
      )}
    </div>
  );
}
