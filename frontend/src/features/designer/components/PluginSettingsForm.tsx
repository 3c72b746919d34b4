import { useMemo } from 'react';
import Form from '@rjsf/antd';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../i18n/useLang';
import { localizeSchema, validator } from '../../../lib/rjsf';
import { pointersToErrorSchema, type FieldError } from '../../../lib/api';

interface Props {
  schema: Record<string, unknown>;
  value: Record<string, unknown> | undefined;
  onChange: (settings: Record<string, unknown>) => void;
  /** Server errors about the node's settings, pointers relative to the settings object. */
  serverErrors?: FieldError[];
}

/** A plugin node's settings, rendered from the plugin's JSON Schema and validated as the admin types. */
export function PluginSettingsForm({ schema, value, onChange, serverErrors }: Props) {
  const { lang } = useLang();
  const { t } = useTranslation();
  // the plugin's own title and description repeat what the panel already says
  const shown = useMemo(() => {
    const { title: _title, description: _description, $schema: _s, ...rest } = localizeSchema(schema, lang);
    void _title;
    void _description;
    void _s;
    return rest as RJSFSchema;
  }, [schema, lang]);
  const extraErrors = useMemo(
    () => (serverErrors?.length ? (pointersToErrorSchema(serverErrors, '') as ErrorSchema) : undefined),
    [serverErrors],
  );
  return (
    <div data-testid="plugin-settings-form" aria-label={t('designer.settings')}>
      <Form
        schema={shown}
        validator={validator}
        formData={value ?? {}}
        onChange={(e) => onChange((e.formData ?? {}) as Record<string, unknown>)}
        liveValidate
        tagName="div"
        showErrorList={false}
        noHtml5Validate
        extraErrors={extraErrors}
        uiSchema={{ 'ui:submitButtonOptions': { norender: true } }}
      />
    </div>
  );
}
