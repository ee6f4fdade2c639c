/** A search field of a table's toolbar: `label` names it for assistive technology and tests. */
export function SearchBox({
  value,
  onChange,
  placeholder,
  label,
  testId,
}: {
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  label: string;
  testId?: string;
}) {
  return (
    <input type="search" placeholder={placeholder} value={value} onChange={(event) => onChange(event.target.value)} aria-label={label} data-testid={testId} />
  );
}
