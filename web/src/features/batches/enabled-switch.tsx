/** A checkbox announced as a switch: on means the batch's schedule fires. */
export function EnabledSwitch({
  checked,
  onChange,
  error,
}: {
  checked: boolean;
  onChange: (value: boolean) => void;
  error?: string;
}) {
  return (
    <div className={`field switch-field${error ? ' field-invalid' : ''}`}>
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          checked={checked}
          aria-describedby="batch-enabled-hint"
          onChange={(event) => onChange(event.target.checked)}
        />
        <span className="switch-track" aria-hidden="true" />
        <span className="field-label">Enabled</span>
        <span className="switch-state" aria-hidden="true">
          {checked ? 'On' : 'Off'}
        </span>
      </label>
      <p className="field-hint" id="batch-enabled-hint">
        A disabled batch never runs on its schedule; it can still be run by hand.
      </p>
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}
