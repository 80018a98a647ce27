/** Query strings carry text: `?flag=true` → true, `false` → false, anything else stays for the validator. */
export const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
