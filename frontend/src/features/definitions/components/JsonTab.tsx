import { useState } from 'react';
import { Alert, Button, Flex, Input } from 'antd';
import { useTranslation } from 'react-i18next';

/** The document as JSON; "apply" parses the edited text and hands it back. */
export function JsonTab({ value, onApply, testid }: { value: unknown; onApply: (v: unknown) => string | void; testid?: string }) {
  const { t } = useTranslation();
  const text = JSON.stringify(value, null, 2);
  const [draft, setDraft] = useState(text);
  const [error, setError] = useState<string>();
  // a new document from outside replaces the text being edited (React's "adjust state on a prop change")
  const [shown, setShown] = useState(text);
  if (shown !== text) {
    setShown(text);
    setDraft(text);
    setError(undefined);
  }
  const apply = () => {
    try {
      const problem = onApply(JSON.parse(draft));
      setError(problem || undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <Flex vertical gap={8}>
      {error && <Alert type="error" showIcon title={t('defs.jsonInvalid')} description={error} />}
      <Input.TextArea
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        autoSize={{ minRows: 12, maxRows: 40 }}
        style={{ fontFamily: 'monospace', fontSize: 12 }}
        spellCheck={false}
        data-testid={testid}
      />
      <Flex gap={8}>
        <Button onClick={apply} disabled={draft === text} data-testid={testid ? `${testid}-apply` : undefined}>
          {t('defs.applyJson')}
        </Button>
        <Button onClick={() => setDraft(text)} disabled={draft === text}>
          {t('defs.resetJson')}
        </Button>
      </Flex>
    </Flex>
  );
}
