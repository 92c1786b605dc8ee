// The bench's SMTP sink, in a process of its own so the load the bench generates cannot
// delay the timestamps. Each accepted message becomes one line: acceptance time, To, Subject.
import fs from 'node:fs';
import { SMTPServer } from 'smtp-server';

const [port, logFile] = process.argv.slice(2);
const log = fs.createWriteStream(logFile, { flags: 'a' });

const header = (head: string, name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  // Pooled senders keep connections open; the bench must never be the one refusing them.
  maxClients: 1_000,
  onData(stream, _session, callback) {
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      if (!head.includes('\r\n\r\n')) head += chunk.toString('latin1');
    });
    stream.on('end', () => {
      // Acceptance is the moment the 250 reply goes out: now.
      const at = Date.now();
      const headers = head.split('\r\n\r\n')[0];
      log.write(`${at}\t${header(headers, 'To')}\t${header(headers, 'Subject')}\n`);
      callback();
    });
  },
});

smtp.listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
const stop = () => smtp.close(() => log.end(() => process.exit(0)));
process.on('SIGTERM', stop);
// The bench died without stopping it: do not keep the port.
process.on('disconnect', stop);
