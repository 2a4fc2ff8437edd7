/** Feature IDs in a row, as code. */
export function FeatureList({ features }: { features: string[] }) {
  return (
    <ul className="inline-list">
      {features.map((feature) => (
        <li key={feature}>
          <code>{feature}</code>
        </li>
      ))}
    </ul>
  );
}
