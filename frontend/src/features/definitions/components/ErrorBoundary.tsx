import { Component, type ReactNode } from 'react';
import { Alert } from 'antd';

/** Keeps a broken preview (a schema rjsf cannot render yet) from taking the page down. */
export class PreviewBoundary extends Component<{ children: ReactNode; title: string; resetKey: unknown }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  componentDidUpdate(prev: { resetKey: unknown }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }
  render() {
    if (this.state.error) return <Alert type="warning" showIcon title={this.props.title} description={this.state.error.message} />;
    return this.props.children;
  }
}
