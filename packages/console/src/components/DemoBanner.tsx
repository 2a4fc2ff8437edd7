export function DemoBanner() {
  return (
    <p className="notice notice-demo">
      <strong>Demo mode:</strong> a sandbox tenant runs beside this server with a demo connection. Start with --no-demo
      or add a real connection to turn it off.
    </p>
  );
}
