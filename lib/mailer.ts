import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across retries, so a receiving system can also recognise a duplicate. */
  messageId: string;
}

/**
 * A way to reach a person. Email is the first; SMS, voice or webhooks implement the same
 * interface without any workflow changing.
 */
export interface NotificationChannel {
  readonly name: string;
  send(message: OutgoingMessage): Promise<{ accepted: boolean; providerId?: string }>;
  verify(): Promise<void>;
  close(): void;
}

export function createEmailChannel(smtpUrl: string, from: string): NotificationChannel {
  const transport: Transporter = nodemailer.createTransport(smtpUrl, {
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as never);
  return {
    name: 'email',
    async send(message) {
      const info = await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
      });
      return { accepted: (info.accepted?.length ?? 0) > 0, providerId: info.messageId };
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
