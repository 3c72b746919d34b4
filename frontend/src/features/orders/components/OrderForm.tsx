import { useMemo, type ReactNode } from 'react';
import Form from '@rjsf/antd';
import type { ErrorSchema, RJSFValidationError, UiSchema as RjsfUiSchema } from '@rjsf/utils';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../i18n/useLang';
import {
  computedFields,
  localizeSchema,
  localizeUiSchema,
  makeTranslateString,
  validator,
  withComputedReadonly,
} from '../../../lib/rjsf';
import type { FormDef, JsonSchema } from '../../../lib/types';
import { tableColumns } from '../lib/lines';
import { LineItemsField } from './LineItemsField';
import { CustomerNameWidget, type OnCustomer } from './CustomerNameWidget';

interface Props {
  form: FormDef;
  formData?: Record<string, unknown>;
  onChange?: (data: Record<string, unknown>) => void;
  onSubmit?: (data: Record<string, unknown>) => void;
  /** Read-only view of existing data (no add/remove buttons, no submit). */
  readonly?: boolean;
  disabled?: boolean;
  /** Errors from the server, in rjsf's ErrorSchema shape. */
  extraErrors?: Record<string, unknown>;
  /** Replaces rjsf's own submit button. */
  children?: ReactNode;
  testId?: string;
  /** Entry aids (editing only): line-item tables with product lookup, the customer name looked up; called with a picked customer. */
  onCustomer?: OnCustomer;
}

const FIELDS = { lineItems: LineItemsField };
const WIDGETS = { customerName: CustomerNameWidget };

/** Marks the top-level arrays of flat objects as line-item tables and customer.name as a customer lookup. */
export function withEntryAids(schema: JsonSchema, ui: Record<string, unknown>): Record<string, unknown> {
  const props = ((schema as { properties?: Record<string, JsonSchema> }).properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = { ...ui };
  for (const [key, p] of Object.entries(props)) {
    const sub = (ui[key] ?? {}) as Record<string, unknown>;
    if (tableColumns(p, (sub.items as Record<string, unknown> | undefined)?.['ui:order'])) out[key] = { ...sub, 'ui:field': 'lineItems' };
  }
  const customer = props.customer as { type?: string; properties?: Record<string, { type?: string }> } | undefined;
  if (customer?.type === 'object' && customer.properties?.name?.type === 'string') {
    const sub = (ui.customer ?? {}) as Record<string, unknown>;
    out.customer = { ...sub, name: { ...((sub.name ?? {}) as Record<string, unknown>), 'ui:widget': 'customerName' } };
  }
  return out;
}

const EDIT_CONTEXT = { descriptionLocation: 'tooltip', labelAlign: 'left' };
// the read-only view puts labels beside the values, which halves its height
const VIEW_CONTEXT = { ...EDIT_CONTEXT, labelCol: { flex: '0 0 128px' }, wrapperCol: { flex: '1 1 240px' } };

const READONLY_UI = {
  'ui:globalOptions': { addable: false, removable: false, orderable: false, copyable: false },
  'ui:submitButtonOptions': { norender: true },
};

/**
 * Renders a Sluice form (JSON Schema 2020-12 + rjsf ui schema) with the antd theme.
 * Texts in the definition may be localized objects; they are shown in the current language.
 */
export function OrderForm({ form, formData, onChange, onSubmit, readonly, disabled, extraErrors, children, testId, onCustomer }: Props) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const computed = useMemo(() => computedFields(form.computed), [form.computed]);

  const schema = useMemo(() => localizeSchema(form.schema, lang), [form.schema, lang]);
  const uiSchema = useMemo(() => {
    const ui = localizeUiSchema(withComputedReadonly(form.ui, computed), lang) as Record<string, unknown>;
    if (readonly) return { ...ui, ...READONLY_UI } as RjsfUiSchema;
    return (onCustomer ? withEntryAids(form.schema, ui) : ui) as RjsfUiSchema;
  }, [form.ui, form.schema, computed, lang, readonly, onCustomer]);
  const formContext = useMemo(() => (readonly ? VIEW_CONTEXT : { ...EDIT_CONTEXT, onCustomer }), [readonly, onCustomer]);
  const translateString = useMemo(() => makeTranslateString(t), [t]);

  // the server fills computed fields: errors about them (e.g. required "total") do not block the user
  const transformErrors = useMemo(() => {
    const names = new Set(computed);
    return (errors: RJSFValidationError[]) =>
      errors.filter((e) => {
        if (!names.size) return true;
        const missing = (e.params as { missingProperty?: string } | undefined)?.missingProperty;
        if (e.name === 'required' && missing && names.has(missing)) return false;
        const top = (e.property ?? '').replace(/^\./, '').split(/[.[]/)[0];
        return !names.has(top);
      });
  }, [computed]);

  return (
    <div className={readonly ? 'order-data-view' : 'order-form'} data-testid={testId}>
      <Form
        schema={schema}
        uiSchema={uiSchema}
        validator={validator}
        formData={formData}
        readonly={readonly}
        disabled={disabled}
        onChange={(e) => onChange?.((e.formData ?? {}) as Record<string, unknown>)}
        onSubmit={(e) => onSubmit?.((e.formData ?? {}) as Record<string, unknown>)}
        extraErrors={extraErrors as ErrorSchema | undefined}
        transformErrors={transformErrors}
        translateString={translateString}
        showErrorList={false}
        focusOnFirstError
        noHtml5Validate
        liveValidate={false}
        formContext={formContext}
        fields={FIELDS}
        widgets={WIDGETS}
      >
        {readonly ? <></> : children}
      </Form>
    </div>
  );
}
