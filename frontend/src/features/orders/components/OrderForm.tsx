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
import type { FormDef } from '../../../lib/types';

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
export function OrderForm({ form, formData, onChange, onSubmit, readonly, disabled, extraErrors, children, testId }: Props) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const computed = useMemo(() => computedFields(form.computed), [form.computed]);

  const schema = useMemo(() => localizeSchema(form.schema, lang), [form.schema, lang]);
  const uiSchema = useMemo(() => {
    const ui = localizeUiSchema(withComputedReadonly(form.ui, computed), lang);
    return (readonly ? { ...ui, ...READONLY_UI } : ui) as RjsfUiSchema;
  }, [form.ui, computed, lang, readonly]);
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
        formContext={readonly ? VIEW_CONTEXT : EDIT_CONTEXT}
      >
        {readonly ? <></> : children}
      </Form>
    </div>
  );
}
