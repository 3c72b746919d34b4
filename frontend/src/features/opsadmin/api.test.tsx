import { act, render, screen } from '@testing-library/react';
import { Form, Input, type FormInstance } from 'antd';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import { saveErrors } from './api';

function Harness({ onForm }: { onForm: (f: FormInstance) => void }) {
  const [form] = Form.useForm();
  onForm(form);
  return (
    <Form form={form}>
      <Form.Item name="name" label="name">
        <Input />
      </Form.Item>
      <Form.Item name="email" label="email">
        <Input />
      </Form.Item>
    </Form>
  );
}

const problem = (errors: { pointer: string; message: string }[]) => new ApiError(422, { title: 'invalid', errors } as never);

describe('saveErrors', () => {
  it('puts field errors on their fields and the rest above the form', async () => {
    let form!: FormInstance;
    render(<Harness onForm={(f) => (form = f)} />);
    const cases: { err: unknown; onField: string[]; rest: boolean }[] = [
      { err: problem([{ pointer: '/name', message: 'name is taken' }]), onField: ['name is taken'], rest: false },
      { err: problem([{ pointer: '/email', message: 'not an address' }, { pointer: '/other', message: 'elsewhere' }]), onField: ['not an address'], rest: true },
      { err: problem([]), onField: [], rest: true },
      { err: new Error('network down'), onField: [], rest: true },
    ];
    for (const c of cases) {
      form.setFields([
        { name: 'name', errors: [] },
        { name: 'email', errors: [] },
      ]);
      let rest: unknown = null;
      await act(async () => saveErrors(form, ['name', 'email'], (e) => (rest = e))(c.err));
      for (const m of c.onField) expect(await screen.findByText(m)).toBeTruthy();
      expect(form.getFieldsError().flatMap((f) => f.errors)).toEqual(c.onField);
      expect(rest === c.err).toBe(c.rest);
    }
  });
});
